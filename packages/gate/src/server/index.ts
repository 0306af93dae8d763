/**
 * The HTTP server, its router (pages mount routes with `router.add`), and the gate's routes.
 * @module
 */

export type { HttpServer, HttpServerOptions } from './http.js';
export { DEFAULT_MAX_BODY_BYTES, jsonError, readBody, setSecurityHeaders, startHttpServer } from './http.js';
export type { Handler, RequestContext, RouteMatch, RouteResponse, Router } from './router.js';
export { createRouter } from './router.js';
export type { RouteDeps } from './routes.js';
export { addGateRoutes } from './routes.js';
