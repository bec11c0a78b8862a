/**
 * The Auth0 catalog: every Management API operation as plain data, plus their input schemas loaded on
 * first use.
 */
import { createCatalog } from '../catalog.js';
import { operations } from './catalog.generated.js';

export { UnknownOperationError } from '../catalog.js';

/** The Auth0 Management API v2 catalog. */
export const auth0Catalog = createCatalog({
  provider: 'auth0',
  displayName: 'Auth0',
  apiBasePath: '/api/v2',
  operations,
  loadInputs: () => import('./inputs.generated.js'),
});
