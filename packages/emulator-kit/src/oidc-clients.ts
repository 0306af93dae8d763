import { createSecret, type Secret } from '@recovery-gate/core';
import type Provider from 'oidc-provider';
import type { AdapterPayload } from 'oidc-provider';
import type { OidcStore } from './oidc-store.js';
import type { OidcClientInput } from './oidc-types.js';

/** How the kit authenticates as a client at its own token and introspection endpoints. */
export interface ClientCredentials {
  readonly method: string;
  readonly secret: Secret | undefined;
}

/** Client credentials the kit needs to call its own endpoints (secrets wrapped, never logged). */
export interface ClientRegistry {
  set(clientId: string, credentials: ClientCredentials): void;
  get(clientId: string): ClientCredentials | undefined;
  /** The first registered client id (fallback for probes). */
  first(): string | undefined;
}

/** Creates an empty registry. */
export function createClientRegistry(): ClientRegistry {
  const entries = new Map<string, ClientCredentials>();
  return {
    set: (clientId, credentials) => {
      entries.set(clientId, credentials);
    },
    get: (clientId) => entries.get(clientId),
    first: () => entries.keys().next().value,
  };
}

/** Fills defaults: public clients use PKCE with no secret; code flow clients get refresh tokens. */
export function clientMetadata(input: OidcClientInput): AdapterPayload {
  const grantTypes = [...(input.grant_types ?? ['authorization_code', 'refresh_token'])];
  const usesCode = grantTypes.includes('authorization_code');
  const metadata: Record<string, unknown> = {
    ...input,
    grant_types: grantTypes,
    response_types: [...(input.response_types ?? (usesCode ? ['code'] : []))],
    redirect_uris: [...(input.redirect_uris ?? [])],
    token_endpoint_auth_method:
      input.token_endpoint_auth_method ??
      (input.client_secret === undefined ? 'none' : 'client_secret_basic'),
  };
  if (input.post_logout_redirect_uris)
    metadata.post_logout_redirect_uris = [...input.post_logout_redirect_uris];
  return metadata as AdapterPayload;
}

/**
 * Validates and stores a client (replacing one with the same id).
 * @throws TypeError naming the invalid field when oidc-provider refuses the metadata.
 */
export async function registerOidcClient(
  provider: Provider,
  store: OidcStore,
  registry: ClientRegistry,
  input: OidcClientInput,
): Promise<void> {
  if (typeof input.client_id !== 'string' || input.client_id === '') {
    throw new TypeError('client_id must be a non-empty string');
  }
  const previous = store.get('Client', input.client_id);
  store.put('Client', input.client_id, clientMetadata(input));
  try {
    await provider.Client.find(input.client_id);
  } catch (error) {
    if (previous) store.put('Client', input.client_id, previous.payload);
    else store.remove('Client', input.client_id);
    const description =
      (error as { error_description?: string }).error_description ?? 'invalid client metadata';
    throw new TypeError(`client ${input.client_id}: ${description}`);
  }
  const metadata = clientMetadata(input);
  registry.set(input.client_id, {
    method: String(metadata.token_endpoint_auth_method),
    secret: input.client_secret === undefined ? undefined : createSecret(input.client_secret),
  });
}
