/**
 * Admin API: protocol mappers of clients and client scopes (`.../protocol-mappers/models`), and which claims
 * they put in a client's tokens. A client's tokens are built by its own mappers and those of its default
 * client scopes; the AMR mapper (`oidc-amr-mapper`) is the one the emulated sign-in reads: without it on
 * the client or one of those scopes, with "Add to ID token" on, an ID token carries no `amr`, as in Keycloak.
 * @see https://www.keycloak.org/docs/latest/server_admin/#_protocol-mappers
 * @module
 */

import { adminEvent, authenticate, type Emu, requireRole } from './context.js';
import { HttpError, messageError, type Req, type Router } from './http.js';
import { clientByClientId, type EmuProtocolMapper, newId } from './state.js';

const R = '/admin/realms/:realm';

/** The mapper type that puts the completed executions' reference values into `amr`. */
export const AMR_MAPPER = 'oidc-amr-mapper';

/** Mapper types Keycloak ships for OpenID Connect that the emulator accepts (an unknown type is refused). */
const KNOWN_OIDC_MAPPERS = new Set([
  AMR_MAPPER,
  'oidc-acr-mapper',
  'oidc-audience-mapper',
  'oidc-usermodel-attribute-mapper',
  'oidc-usermodel-property-mapper',
  'oidc-group-membership-mapper',
  'oidc-usermodel-realm-role-mapper',
  'oidc-usermodel-client-role-mapper',
  'oidc-hardcoded-claim-mapper',
  'oidc-sub-mapper',
  'oidc-allowed-origins-mapper',
]);

/** The mappers that build `clientId`'s tokens: its own, then its default client scopes'. */
export function mappersOf(emu: Emu, clientId: string): readonly EmuProtocolMapper[] {
  const client = clientByClientId(emu.realm, clientId);
  if (client === undefined) return [];
  return [
    ...client.protocolMappers,
    ...client.defaultClientScopes.flatMap((id) => emu.realm.clientScopes.get(id)?.protocolMappers ?? []),
  ];
}

/** Whether `clientId`'s ID tokens carry `amr` (an AMR mapper with "Add to ID token" on). */
export function amrInIdToken(emu: Emu, clientId: string): boolean {
  return mappersOf(emu, clientId).some(
    (m) => m.protocolMapper === AMR_MAPPER && m.config['id.token.claim'] === 'true',
  );
}

/** The representation Keycloak returns. */
export const mapperRep = (m: EmuProtocolMapper): Record<string, unknown> => ({
  id: m.id,
  name: m.name,
  protocol: m.protocol,
  protocolMapper: m.protocolMapper,
  config: { ...m.config },
});

/** Validates a `ProtocolMapperRepresentation` from a request body. */
function parseMapper(body: unknown): Omit<EmuProtocolMapper, 'id'> {
  const rep = (body ?? {}) as Record<string, unknown>;
  if (typeof rep.name !== 'string' || rep.name.trim() === '')
    throw messageError(400, 'Mapper name is missing');
  const protocol = rep.protocol ?? 'openid-connect';
  if (protocol !== 'openid-connect') throw messageError(400, `Unsupported protocol ${String(protocol)}`);
  if (typeof rep.protocolMapper !== 'string' || !KNOWN_OIDC_MAPPERS.has(rep.protocolMapper))
    throw new HttpError(404, { error: 'ProtocolMapper provider not found' });
  const config: Record<string, string> = {};
  const raw = rep.config ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw messageError(400, 'config must be an object');
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw messageError(400, `config ${key} must be a string`);
    config[key] = value;
  }
  return { name: rep.name, protocol, protocolMapper: rep.protocolMapper, config };
}

/** The mapper routes of one owner kind (`clients` or `client-scopes`). */
function ownerRoutes(
  router: Router,
  emu: Emu,
  owner: 'clients' | 'client-scopes',
  find: (id: string) => { id: string; protocolMappers: EmuProtocolMapper[] } | undefined,
): void {
  const base = `${R}/${owner}/:id/protocol-mappers/models`;
  const target = (req: Req, write: boolean) => {
    const caller = authenticate(emu, req);
    if (write) requireRole(emu, caller, 'manage-clients');
    else requireRole(emu, caller, 'view-clients', 'manage-clients');
    const found = find(req.params.id ?? '');
    if (found === undefined)
      throw new HttpError(404, {
        error: owner === 'clients' ? 'Could not find client' : 'Could not find client scope',
      });
    return { caller, found };
  };
  const mapper = (list: EmuProtocolMapper[], id: string): EmuProtocolMapper => {
    const m = list.find((x) => x.id === id);
    if (m === undefined) throw new HttpError(404, { error: 'Model not found' });
    return m;
  };
  router.on('GET', base, (req) => ({
    status: 200,
    body: target(req, false).found.protocolMappers.map(mapperRep),
  }));
  router.on('GET', `${base}/:mapperId`, (req) => ({
    status: 200,
    body: mapperRep(mapper(target(req, false).found.protocolMappers, req.params.mapperId ?? '')),
  }));
  router.on('POST', base, (req) => {
    const { caller, found } = target(req, true);
    const parsed = parseMapper(req.body);
    if (found.protocolMappers.some((m) => m.name === parsed.name && m.protocol === parsed.protocol))
      throw messageError(409, `Protocol mapper exists with same name`);
    const created: EmuProtocolMapper = { id: newId(), ...parsed };
    found.protocolMappers.push(created);
    const path = `${owner}/${found.id}/protocol-mappers/models/${created.id}`;
    adminEvent(emu, caller, 'CREATE', 'PROTOCOL_MAPPER', path, mapperRep(created));
    return {
      status: 201,
      headers: { location: `${emu.baseUrl}/admin/realms/${emu.realm.settings.realm}/${path}` },
    };
  });
  router.on('DELETE', `${base}/:mapperId`, (req) => {
    const { caller, found } = target(req, true);
    const m = mapper(found.protocolMappers, req.params.mapperId ?? '');
    found.protocolMappers = found.protocolMappers.filter((x) => x !== m);
    adminEvent(
      emu,
      caller,
      'DELETE',
      'PROTOCOL_MAPPER',
      `${owner}/${found.id}/protocol-mappers/models/${m.id}`,
    );
    return { status: 204 };
  });
}

/** Registers the protocol-mapper routes of clients and client scopes. */
export function mapperRoutes(router: Router, emu: Emu): void {
  ownerRoutes(router, emu, 'clients', (id) => emu.realm.clients.get(id));
  ownerRoutes(router, emu, 'client-scopes', (id) => emu.realm.clientScopes.get(id));
}
