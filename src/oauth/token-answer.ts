import { isValidUserId } from '../session/user-id';
import type { ExchangeContext, GrantedTokens, ParsedAnswer, RefreshContext } from './provider';

/**
 * One success answer of a token endpoint, read the provider's way: only what it says. An
 * optional field is absent when the answer leaves it out (or says null).
 */
export interface TokenAnswer {
  accessToken: string;
  refreshToken?: string;
  /** Every subject the answer names (its own field, the access token's claim, …). */
  subjects: readonly string[];
  displayName?: string;
  avatar?: string;
  /** The access token's own scopes, else the answer's. */
  scopes?: string[];
  /** From the access token, ms since the epoch, when it says. */
  expiresAt?: number;
  issuedAt?: number;
}

const UNUSABLE: ParsedAnswer = { failure: 'unusable' };

/**
 * A code exchange's answer as a new grant. Its subject is the one the answer names; two
 * different ones (the answer's field and the token's claim disagreeing) say no one account, so
 * nothing is stored, as for none at all. `lifetimeMs` stands in for an expiry the token lacks.
 */
export function exchangeGrant(
  answer: TokenAnswer | undefined,
  { askedScopes, requestedAt }: ExchangeContext,
  lifetimeMs: number,
): ParsedAnswer {
  if (!answer) return UNUSABLE;
  const [subject, ...others] = new Set(answer.subjects);
  if (subject === undefined || others.length > 0 || !isValidUserId(subject)) return UNUSABLE;
  const known = { subject, displayName: '', avatar: '', refreshToken: '', scopes: askedScopes };
  return { tokens: grantOf(answer, known, requestedAt, lifetimeMs) };
}

/**
 * A refresh's answer merged into the grant: what it leaves out keeps its stored value (a
 * provider may answer a refresh with the access token alone). A grant's subject never changes:
 * an answer naming another one is not stored, whatever else it carries.
 */
export function refreshGrant(
  answer: TokenAnswer | undefined,
  { stored, requestedAt }: RefreshContext,
  lifetimeMs: number,
): ParsedAnswer {
  if (!answer) return UNUSABLE;
  if (answer.subjects.some((subject) => subject !== stored.subject)) {
    return { failure: 'subject_changed' };
  }
  return { tokens: grantOf(answer, stored, requestedAt, lifetimeMs) };
}

/** The answer's tokens; what it leaves out is what was `known` before it. */
function grantOf(
  answer: TokenAnswer,
  known: Pick<GrantedTokens, 'subject' | 'displayName' | 'avatar' | 'refreshToken'> & {
    scopes: readonly string[];
  },
  requestedAt: number,
  lifetimeMs: number,
): GrantedTokens {
  return {
    subject: known.subject,
    displayName: answer.displayName ?? known.displayName,
    avatar: answer.avatar ?? known.avatar,
    accessToken: answer.accessToken,
    refreshToken: answer.refreshToken ?? known.refreshToken,
    scopes: answer.scopes ?? [...known.scopes],
    // From when we asked, not when the answer came: the token can only have been issued later,
    // so the expiry we assume is never after the real one.
    expiresAt: answer.expiresAt ?? requestedAt + lifetimeMs,
    issuedAt: answer.issuedAt ?? requestedAt,
    requestedAt,
  };
}
