/**
 * The 53 operations of MonoCloud's Users client as the SDK names them: operation id (the SDK method in
 * snake_case), method, path below `/api`, success status (the API document's, which the sandbox answers
 * with; a test holds the two together), and the plan an operation needs (session management and
 * grant/token management are paid features; see {@link PLANS}).
 */

/** Sandbox plan tiers, cheapest first; each includes everything the ones before it include. */
export const PLANS = ['free', 'pro', 'secure_plus'] as const;

/** A plan tier. */
export type Plan = (typeof PLANS)[number];

/** One operation of the Users client. */
export interface MonoCloudOperation {
  /** Operation id: the SDK method name in snake_case, e.g. `get_all_users`. */
  id: string;
  /** The SDK method name, e.g. `getAllUsers`. */
  sdk: string;
  /** HTTP method. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path template below `/api`; each `{name}` is one segment. */
  path: string;
  /** Success status: 204 where the SDK expects no body, else 200. */
  status: number;
  /** Cheapest plan that includes the operation; absent when every plan does. */
  plan?: Exclude<Plan, 'free'>;
}

/** Every Users operation, in the SDK's order. */
export const MONOCLOUD_OPERATIONS: readonly MonoCloudOperation[] = [
  { id: 'get_all_users', sdk: 'getAllUsers', method: 'GET', path: '/users', status: 200 },
  { id: 'create_user', sdk: 'createUser', method: 'POST', path: '/users', status: 200 },
  { id: 'find_user_by_id', sdk: 'findUserById', method: 'GET', path: '/users/{user_id}', status: 200 },
  { id: 'delete_user', sdk: 'deleteUser', method: 'DELETE', path: '/users/{user_id}', status: 204 },
  { id: 'enable_user', sdk: 'enableUser', method: 'POST', path: '/users/{user_id}/enable', status: 200 },
  { id: 'disable_user', sdk: 'disableUser', method: 'POST', path: '/users/{user_id}/disable', status: 200 },
  { id: 'unblock_user', sdk: 'unblockUser', method: 'POST', path: '/users/{user_id}/unblock', status: 200 },
  {
    id: 'update_username',
    sdk: 'updateUsername',
    method: 'PUT',
    path: '/users/{user_id}/username',
    status: 200,
  },
  {
    id: 'remove_username',
    sdk: 'removeUsername',
    method: 'DELETE',
    path: '/users/{user_id}/username',
    status: 200,
  },
  { id: 'add_email', sdk: 'addEmail', method: 'POST', path: '/users/{user_id}/emails', status: 200 },
  {
    id: 'remove_email',
    sdk: 'removeEmail',
    method: 'DELETE',
    path: '/users/{user_id}/emails/{identifier_id}',
    status: 200,
  },
  {
    id: 'set_primary_email',
    sdk: 'setPrimaryEmail',
    method: 'POST',
    path: '/users/{user_id}/emails/{identifier_id}/primary',
    status: 200,
  },
  {
    id: 'set_email_verified',
    sdk: 'setEmailVerified',
    method: 'POST',
    path: '/users/{user_id}/emails/{identifier_id}/verify',
    status: 200,
  },
  {
    id: 'set_email_unverified',
    sdk: 'setEmailUnverified',
    method: 'POST',
    path: '/users/{user_id}/emails/{identifier_id}/unverify',
    status: 200,
  },
  {
    id: 'verify_email',
    sdk: 'verifyEmail',
    method: 'POST',
    path: '/users/{user_id}/emails/{identifier_id}/verify/link',
    status: 200,
  },
  { id: 'add_phone', sdk: 'addPhone', method: 'POST', path: '/users/{user_id}/phones', status: 200 },
  {
    id: 'remove_phone',
    sdk: 'removePhone',
    method: 'DELETE',
    path: '/users/{user_id}/phones/{identifier_id}',
    status: 200,
  },
  {
    id: 'set_primary_phone',
    sdk: 'setPrimaryPhone',
    method: 'POST',
    path: '/users/{user_id}/phones/{identifier_id}/primary',
    status: 200,
  },
  {
    id: 'set_phone_verified',
    sdk: 'setPhoneVerified',
    method: 'POST',
    path: '/users/{user_id}/phones/{identifier_id}/verify',
    status: 200,
  },
  {
    id: 'set_phone_unverified',
    sdk: 'setPhoneUnverified',
    method: 'POST',
    path: '/users/{user_id}/phones/{identifier_id}/unverify',
    status: 200,
  },
  {
    id: 'remove_passkey',
    sdk: 'removePasskey',
    method: 'DELETE',
    path: '/users/{user_id}/passkeys/{passkey_id}',
    status: 204,
  },
  { id: 'set_password', sdk: 'setPassword', method: 'PUT', path: '/users/{user_id}/password', status: 200 },
  {
    id: 'remove_password',
    sdk: 'removePassword',
    method: 'DELETE',
    path: '/users/{user_id}/password',
    status: 204,
  },
  {
    id: 'set_password_reset_required',
    sdk: 'setPasswordResetRequired',
    method: 'POST',
    path: '/users/{user_id}/password/force_reset',
    status: 200,
  },
  {
    id: 'remove_password_reset_required',
    sdk: 'removePasswordResetRequired',
    method: 'DELETE',
    path: '/users/{user_id}/password/force_reset',
    status: 200,
  },
  {
    id: 'reset_password',
    sdk: 'resetPassword',
    method: 'POST',
    path: '/users/{user_id}/password/reset',
    status: 200,
  },
  {
    id: 'change_password',
    sdk: 'changePassword',
    method: 'PUT',
    path: '/users/{user_id}/password/change',
    status: 200,
  },
  { id: 'patch_claims', sdk: 'patchClaims', method: 'PATCH', path: '/users/{user_id}/claims', status: 200 },
  {
    id: 'get_private_data',
    sdk: 'getPrivateData',
    method: 'GET',
    path: '/users/{user_id}/private_data',
    status: 200,
  },
  {
    id: 'patch_private_data',
    sdk: 'patchPrivateData',
    method: 'PATCH',
    path: '/users/{user_id}/private_data',
    status: 200,
  },
  {
    id: 'get_public_data',
    sdk: 'getPublicData',
    method: 'GET',
    path: '/users/{user_id}/public_data',
    status: 200,
  },
  {
    id: 'patch_public_data',
    sdk: 'patchPublicData',
    method: 'PATCH',
    path: '/users/{user_id}/public_data',
    status: 200,
  },
  {
    id: 'get_all_blocked_ips',
    sdk: 'getAllBlockedIps',
    method: 'GET',
    path: '/users/{user_id}/blocked_ips',
    status: 200,
  },
  {
    id: 'unblock_ip',
    sdk: 'unblockIp',
    method: 'POST',
    path: '/users/{user_id}/blocked_ips/unblock',
    status: 200,
  },
  {
    id: 'get_all_user_sessions',
    sdk: 'getAllUserSessions',
    method: 'GET',
    path: '/users/{user_id}/sessions',
    status: 200,
    plan: 'pro',
  },
  {
    id: 'find_user_session',
    sdk: 'findUserSession',
    method: 'GET',
    path: '/users/{user_id}/sessions/{session_id}',
    status: 200,
    plan: 'pro',
  },
  {
    id: 'revoke_user_session',
    sdk: 'revokeUserSession',
    method: 'DELETE',
    path: '/users/{user_id}/sessions/{session_id}',
    status: 204,
    plan: 'pro',
  },
  {
    id: 'external_authenticator_disconnect',
    sdk: 'externalAuthenticatorDisconnect',
    method: 'POST',
    path: '/users/{user_id}/external_authenticator/disconnect',
    status: 200,
  },
  {
    id: 'get_all_user_groups',
    sdk: 'getAllUserGroups',
    method: 'GET',
    path: '/users/{user_id}/groups',
    status: 200,
  },
  {
    id: 'find_user_group',
    sdk: 'findUserGroup',
    method: 'GET',
    path: '/users/{user_id}/groups/{group_id}',
    status: 200,
  },
  {
    id: 'assign_user_to_group',
    sdk: 'assignUserToGroup',
    method: 'POST',
    path: '/users/{user_id}/groups/{group_id}',
    status: 200,
  },
  {
    id: 'remove_user_from_group',
    sdk: 'removeUserFromGroup',
    method: 'DELETE',
    path: '/users/{user_id}/groups/{group_id}',
    status: 204,
  },
  {
    id: 'get_all_group_assigned_users',
    sdk: 'getAllGroupAssignedUsers',
    method: 'GET',
    path: '/users/groups/{group_id}/assigned',
    status: 200,
  },
  {
    id: 'get_all_user_client_grants',
    sdk: 'getAllUserClientGrants',
    method: 'GET',
    path: '/users/{user_id}/grants/clients',
    status: 200,
    plan: 'pro',
  },
  {
    id: 'get_all_user_consents',
    sdk: 'getAllUserConsents',
    method: 'GET',
    path: '/users/{user_id}/grants/consents',
    status: 200,
    plan: 'secure_plus',
  },
  {
    id: 'get_all_reference_tokens',
    sdk: 'getAllReferenceTokens',
    method: 'GET',
    path: '/users/{user_id}/grants/reference_tokens',
    status: 200,
    plan: 'secure_plus',
  },
  {
    id: 'get_all_refresh_tokens',
    sdk: 'getAllRefreshTokens',
    method: 'GET',
    path: '/users/{user_id}/grants/refresh_tokens',
    status: 200,
    plan: 'secure_plus',
  },
  {
    id: 'get_all_authorization_codes',
    sdk: 'getAllAuthorizationCodes',
    method: 'GET',
    path: '/users/{user_id}/grants/codes',
    status: 200,
    plan: 'secure_plus',
  },
  {
    id: 'revoke_user_client_grants',
    sdk: 'revokeUserClientGrants',
    method: 'DELETE',
    path: '/users/{user_id}/grants/clients/{client_id}',
    status: 204,
    plan: 'secure_plus',
  },
  {
    id: 'revoke_user_consent',
    sdk: 'revokeUserConsent',
    method: 'DELETE',
    path: '/users/{user_id}/grants/consents/{consent_id}',
    status: 204,
    plan: 'secure_plus',
  },
  {
    id: 'revoke_reference_token',
    sdk: 'revokeReferenceToken',
    method: 'DELETE',
    path: '/users/{user_id}/grants/reference_tokens/{token_id}',
    status: 204,
    plan: 'secure_plus',
  },
  {
    id: 'revoke_refresh_token',
    sdk: 'revokeRefreshToken',
    method: 'DELETE',
    path: '/users/{user_id}/grants/refresh_tokens/{token_id}',
    status: 204,
    plan: 'secure_plus',
  },
  {
    id: 'revoke_authorization_code',
    sdk: 'revokeAuthorizationCode',
    method: 'DELETE',
    path: '/users/{user_id}/grants/codes/{code_id}',
    status: 204,
    plan: 'secure_plus',
  },
];
