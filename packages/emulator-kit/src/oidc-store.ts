import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

/** One stored oidc-provider artifact. */
export interface StoredArtifact {
  readonly model: string;
  readonly id: string;
  readonly payload: AdapterPayload;
  /** Epoch ms after which the artifact is gone; undefined = no expiry. */
  readonly expiresAt: number | undefined;
}

/** In-memory storage for oidc-provider that the kit can enumerate (for revocation and probes). */
export interface OidcStore {
  /** The adapter factory handed to oidc-provider's `adapter` option. */
  readonly adapter: AdapterFactory;
  /** Live (unexpired) artifacts of a model (`Session`, `Grant`, `RefreshToken`, `AccessToken`, ...). */
  list(model: string): StoredArtifact[];
  /** A live artifact by model and id. */
  get(model: string, id: string): StoredArtifact | undefined;
  /** Deletes an artifact (no-op when missing). */
  remove(model: string, id: string): void;
  /** Writes an artifact directly (used for dynamically registered clients). */
  put(model: string, id: string, payload: AdapterPayload, expiresInSeconds?: number): void;
}

/** Models that hang off a grant (oidc-provider's `revokeByGrantId` removes them). */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'ClientCredentials',
]);

/**
 * Creates the store. Expiry uses real time (`Date.now`), like oidc-provider itself, whose token lifetimes
 * cannot follow an injected clock.
 */
export function createOidcStore(now: () => number = Date.now): OidcStore {
  const models = new Map<string, Map<string, StoredArtifact>>();

  function table(model: string): Map<string, StoredArtifact> {
    let found = models.get(model);
    if (!found) {
      found = new Map();
      models.set(model, found);
    }
    return found;
  }

  function live(model: string, id: string): StoredArtifact | undefined {
    const entry = models.get(model)?.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now()) {
      models.get(model)?.delete(id);
      return undefined;
    }
    return entry;
  }

  function put(model: string, id: string, payload: AdapterPayload, expiresInSeconds?: number): void {
    const expiresAt = typeof expiresInSeconds === 'number' ? now() + expiresInSeconds * 1000 : undefined;
    table(model).set(id, { model, id, payload: { ...payload }, expiresAt });
  }

  function list(model: string): StoredArtifact[] {
    return [...table(model).keys()].flatMap((id) => {
      const entry = live(model, id);
      return entry ? [entry] : [];
    });
  }

  const adapter: AdapterFactory = (model: string): Adapter => ({
    async upsert(id, payload, expiresIn) {
      put(model, id, payload, expiresIn);
    },
    async find(id) {
      const entry = live(model, id);
      return entry ? { ...entry.payload } : undefined;
    },
    async findByUid(uid) {
      const entry = list(model).find((candidate) => candidate.payload.uid === uid);
      return entry ? { ...entry.payload } : undefined;
    },
    async findByUserCode(userCode) {
      const entry = list(model).find((candidate) => candidate.payload.userCode === userCode);
      return entry ? { ...entry.payload } : undefined;
    },
    async consume(id) {
      const entry = live(model, id);
      if (entry)
        table(model).set(id, { ...entry, payload: { ...entry.payload, consumed: Math.floor(now() / 1000) } });
    },
    async destroy(id) {
      table(model).delete(id);
    },
    async revokeByGrantId(grantId) {
      for (const name of GRANTABLE) {
        for (const entry of list(name)) if (entry.payload.grantId === grantId) table(name).delete(entry.id);
      }
    },
  });

  return {
    adapter,
    list,
    get: live,
    remove: (model, id) => {
      table(model).delete(id);
    },
    put,
  };
}
