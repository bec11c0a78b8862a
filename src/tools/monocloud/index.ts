/**
 * The MonoCloud catalog: every operation of our MonoCloud management API document as plain data, plus
 * their input schemas loaded on first use. MonoCloud authenticates with an API key, so every operation's
 * `scopes` is empty.
 */
import { createCatalog } from '../catalog.js';
import { operations } from './catalog.generated.js';

export { UnknownOperationError } from '../catalog.js';

/** The MonoCloud management API catalog (users, applications, groups, resources, keys, logs, ...). */
export const monocloudCatalog = createCatalog({
  provider: 'monocloud',
  displayName: 'MonoCloud',
  apiBasePath: '/api',
  operations,
  loadInputs: () => import('./inputs.generated.js'),
});
