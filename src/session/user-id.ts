/**
 * One rule for every user id, whatever its source (the app's ID token, a provider sign-in): a
 * user id ends up in store keys, logs, operator commands and, for ever, as a LiveLike
 * `custom_profile_id`, so it must be one that none of them can misread.
 */

// LiveLike's own cap on custom_profile_id, which a user id becomes: a fact of its API.
export const MAX_USER_ID_LENGTH = 255;

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: any of them could
// forge or split a log line or an operator's terminal output.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** True when `id` is 1–255 characters of well-formed text without control characters. */
export function isValidUserId(id: string): boolean {
  return (
    id.length > 0 &&
    id.length <= MAX_USER_ID_LENGTH &&
    !CONTROL.test(id) &&
    // A lone UTF-16 surrogate cannot be encoded as UTF-8: a key, a JSON log line or a JWT
    // claim would each turn it into something else (or throw).
    id.isWellFormed()
  );
}

/**
 * The user id of someone who signed in through a provider (a Liker, for LikeCoin): the
 * provider's name, a colon, the provider's id for them. The app's own users keep their ids as
 * the app's identity provider says them, so the two sources can never name the same user, the
 * same device list or the same LiveLike profile, as long as no app id starts with a sign-in
 * provider's prefix (`isReservedAppUserId`).
 */
export function providerUserId(provider: string, subject: string): string {
  return `${provider}:${subject}`;
}

/** An app user id that would read as a provider sign-in's (e.g. `likecoin:carol`). */
export function isReservedAppUserId(id: string, signInProviders: readonly string[]): boolean {
  return signInProviders.some((provider) => id.startsWith(`${provider}:`));
}

/**
 * A session signed in through a provider before its users were named `<provider>:<id>` still
 * holds the bare id, which may be an app user's: such a session is ended rather than trusted.
 */
export function isLegacyProviderUser(
  user: { id: string; source: string },
  signInProviders: readonly string[],
): boolean {
  return signInProviders.includes(user.source) && !user.id.startsWith(`${user.source}:`);
}
