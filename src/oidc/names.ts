/** The app's own identity provider, as problems and key namespaces name it. */
export const IDENTITY_PROVIDER = { name: 'oidc', label: 'Identity provider' } as const;
