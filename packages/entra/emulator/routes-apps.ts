/**
 * Service principals and application extension properties (the status extension lives on the gate's app).
 * @module
 */

import { badRequest, type Ctx, notFound, objectBody, page, type Reply, type Route } from './http.js';
import { newId } from './ids.js';
import { filtered } from './routes-directory.js';
import type { EmuApp } from './state.js';

function appJson(app: EmuApp): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.application',
    id: app.objectId,
    appId: app.appId,
    displayName: app.displayName,
  };
}

function createExtension(ctx: Ctx): Reply {
  const app = [...ctx.env.tenant.apps.values()].find((a) => a.objectId === ctx.params.id);
  if (!app) throw notFound(ctx.params.id ?? '');
  const body = objectBody(ctx);
  if (typeof body.name !== 'string' || !/^[A-Za-z0-9]{1,100}$/.test(body.name))
    throw badRequest('Invalid extension property name.');
  const name = `extension_${app.appId.replaceAll('-', '')}_${body.name}`;
  if (app.extensionProperties.some((p) => p.name === name))
    throw badRequest(
      'An extension property with this name already exists.',
      'Request_MultipleObjectsWithSameKeyValue',
    );
  const targets = Array.isArray(body.targetObjects) ? body.targetObjects.map(String) : ['User'];
  const property = { id: newId(), name, dataType: String(body.dataType ?? 'String'), targetObjects: targets };
  app.extensionProperties.push(property);
  return {
    status: 201,
    body: {
      '@odata.type': '#microsoft.graph.extensionProperty',
      ...property,
      appDisplayName: app.displayName,
      isMultiValued: false,
      isSyncedFromOnPremises: false,
    },
  };
}

/** The directory routes. */

/** The application and service principal routes. */
export const appRoutes: readonly Route[] = [
  {
    method: 'GET',
    template: '/servicePrincipals',
    handler: (ctx) =>
      page(
        ctx,
        filtered(
          ctx,
          [...ctx.env.tenant.apps.values()].map((a) => ({
            '@odata.type': '#microsoft.graph.servicePrincipal',
            id: a.servicePrincipalId,
            appId: a.appId,
            displayName: a.displayName,
          })),
        ),
        'servicePrincipals',
      ),
  },
  {
    method: 'GET',
    template: '/applications',
    handler: (ctx) =>
      page(ctx, filtered(ctx, [...ctx.env.tenant.apps.values()].map(appJson)), 'applications'),
  },
  {
    method: 'GET',
    template: '/applications/:id/extensionProperties',
    handler: (ctx) => {
      const app = [...ctx.env.tenant.apps.values()].find((a) => a.objectId === ctx.params.id);
      if (!app) throw notFound(ctx.params.id ?? '');
      return page(ctx, app.extensionProperties, 'extensionProperties');
    },
  },
  { method: 'POST', template: '/applications/:id/extensionProperties', handler: createExtension },
];
