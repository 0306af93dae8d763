/**
 * Shared scaffolding for the IdP emulators: HTTP routing, a manual clock, fault injection, webhook
 * delivery and an OIDC authorization server (on `oidc-provider`) with a sign-in and step-up UI.
 * @module
 */

export type {
  BrowserlessAgent,
  BrowserlessPage,
  BrowserlessSignInInput,
  BrowserlessSignInResult,
} from './browserless.js';
export {
  createBrowserlessAgent,
  createPkcePair,
  decodeJwtPayload,
  formAction,
  signInBrowserless,
} from './browserless.js';
export type { Clock } from './clock.js';
export { createClock } from './clock.js';
export type { FaultProxy, ProxiedRequest, ProxyFault } from './fault-proxy.js';
export { startFaultProxy } from './fault-proxy.js';
export type {
  FaultInjector,
  FaultInjectorOptions,
  FaultResponse,
  RequestLogEntry,
} from './faults.js';
export { createFaultInjector, DEFAULT_REDACT_FIELDS, redact } from './faults.js';
export type { HttpServerHandle, NodeHandler, ParsedBody, StartHttpServerOptions } from './http.js';
export {
  DEFAULT_BODY_LIMIT,
  HttpError,
  json,
  noContent,
  parseUrl,
  peekBody,
  readBody,
  redirect,
  replayableRequest,
  send,
  sentBody,
  startHttpServer,
} from './http.js';
export type { OidcServer } from './oidc.js';
export { createOidcServer, OIDC_ROUTE_PRESETS } from './oidc.js';
export { chooseAcr, DEFAULT_ACR_POLICY, DEFAULT_AMR, readStepUpRequest } from './oidc-acr.js';
export { newOtpKey, otpCodeForKey, otpKeyShown } from './oidc-authenticator.js';
export type { OidcStore, StoredArtifact } from './oidc-store.js';
export { createOidcStore } from './oidc-store.js';
export type { OidcSessionInfo, TokenControl } from './oidc-tokens.js';
export type {
  AccessTokenClaimsInput,
  AcrPolicy,
  ExtraClaimsInput,
  OidcAccessTokenOptions,
  OidcAccountProfile,
  OidcAccounts,
  OidcClientInput,
  OidcRecoveryCodes,
  OidcRoutes,
  OidcServerOptions,
  OidcTtl,
  PushChallenge,
  SecondFactorMethod,
  SignInEvent,
  SignInMethod,
  StepUpRequest,
} from './oidc-types.js';
export type { VerifiedAccessToken } from './oidc-verify.js';
export type { SignInBranding } from './oidc-views.js';
export { escapeHtml, PAGE_HEADERS } from './oidc-views.js';
export type { RouteHandler, RouteRequest, Router, RouterErrorResponse, RouterOptions } from './router.js';
export { createRouter } from './router.js';
export type {
  WebhookDeliveryOptions,
  WebhookDispatcher,
  WebhookLogEntry,
  WebhookRequest,
  WebhookResult,
} from './webhook.js';
export { createWebhookDispatcher, deliverWebhook } from './webhook.js';
