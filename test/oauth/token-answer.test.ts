import type { GrantedTokens, ParsedAnswer } from '../../src/oauth/provider';
import { exchangeGrant, refreshGrant, type TokenAnswer } from '../../src/oauth/token-answer';

const REQUESTED_AT = Date.UTC(2030, 0, 1);
const LIFETIME_MS = 3600_000;
const ASKED = ['profile', 'asked'];

const STORED: GrantedTokens = {
  subject: 'u1',
  displayName: 'U One',
  avatar: 'https://a.example/u1.png',
  accessToken: 'old-access',
  refreshToken: 'old-refresh',
  scopes: ['profile', 'stored'],
  expiresAt: REQUESTED_AT - 1,
  issuedAt: REQUESTED_AT - LIFETIME_MS,
  requestedAt: REQUESTED_AT - LIFETIME_MS,
};

const answer = (fields: Partial<TokenAnswer> = {}): TokenAnswer => ({
  accessToken: 'new-access',
  subjects: [],
  ...fields,
});

const exchange = (a: TokenAnswer | undefined) =>
  exchangeGrant(a, { askedScopes: ASKED, requestedAt: REQUESTED_AT }, LIFETIME_MS);
const refresh = (a: TokenAnswer | undefined) =>
  refreshGrant(a, { stored: STORED, requestedAt: REQUESTED_AT }, LIFETIME_MS);

const tokensOf = (parsed: ParsedAnswer): GrantedTokens => {
  if ('failure' in parsed) throw new Error(`expected tokens, got ${parsed.failure}`);
  return parsed.tokens;
};

describe('exchangeGrant', () => {
  it('the access token and a subject are enough; the rest has defaults', () => {
    expect(tokensOf(exchange(answer({ subjects: ['u1'] })))).toEqual<GrantedTokens>({
      subject: 'u1',
      displayName: '',
      avatar: '',
      accessToken: 'new-access',
      refreshToken: '',
      scopes: ASKED,
      expiresAt: REQUESTED_AT + LIFETIME_MS,
      issuedAt: REQUESTED_AT,
      requestedAt: REQUESTED_AT,
    });
  });

  it('takes every field the answer gives', () => {
    const full = answer({
      subjects: ['u1', 'u1'],
      refreshToken: 'r1',
      displayName: 'U',
      avatar: 'https://a/u.png',
      scopes: ['granted'],
      expiresAt: REQUESTED_AT + 10_000,
      issuedAt: REQUESTED_AT - 5,
    });
    expect(tokensOf(exchange(full))).toMatchObject({
      subject: 'u1',
      refreshToken: 'r1',
      displayName: 'U',
      avatar: 'https://a/u.png',
      scopes: ['granted'],
      expiresAt: REQUESTED_AT + 10_000,
      issuedAt: REQUESTED_AT - 5,
      requestedAt: REQUESTED_AT,
    });
  });

  it.each<[string, TokenAnswer | undefined]>([
    ['no answer at all', undefined],
    ['no subject anywhere', answer()],
    [
      'two different subjects (the field and the claim disagree)',
      answer({ subjects: ['u1', 'u2'] }),
    ],
    ['an empty subject', answer({ subjects: [''] })],
    ['a subject over 255 characters', answer({ subjects: ['u'.repeat(256)] })],
    ['a subject with a control character', answer({ subjects: ['u1\nlevel=error'] })],
    ['a subject with a lone surrogate', answer({ subjects: ['u\ud800'] })],
  ])('%s ⇒ unusable, nothing to store', (_name, a) => {
    expect(exchange(a)).toEqual({ failure: 'unusable' });
  });

  it('copies the asked scopes rather than sharing the array', () => {
    const tokens = tokensOf(exchange(answer({ subjects: ['u1'] })));
    expect(tokens.scopes).toEqual(ASKED);
    expect(tokens.scopes).not.toBe(ASKED);
  });
});

describe('refreshGrant', () => {
  it('an answer with the access token alone keeps every other stored value', () => {
    expect(tokensOf(refresh(answer()))).toEqual<GrantedTokens>({
      ...STORED,
      accessToken: 'new-access',
      expiresAt: REQUESTED_AT + LIFETIME_MS,
      issuedAt: REQUESTED_AT,
      requestedAt: REQUESTED_AT,
    });
  });

  it('what the answer gives replaces the stored value', () => {
    const given = answer({
      subjects: ['u1'],
      refreshToken: 'new-refresh',
      displayName: 'New name',
      avatar: 'https://a/new.png',
      scopes: ['profile', 'read:like'],
      expiresAt: REQUESTED_AT + 60_000,
      issuedAt: REQUESTED_AT + 1,
    });
    expect(tokensOf(refresh(given))).toEqual<GrantedTokens>({
      subject: 'u1',
      displayName: 'New name',
      avatar: 'https://a/new.png',
      accessToken: 'new-access',
      refreshToken: 'new-refresh',
      scopes: ['profile', 'read:like'],
      expiresAt: REQUESTED_AT + 60_000,
      issuedAt: REQUESTED_AT + 1,
      requestedAt: REQUESTED_AT,
    });
  });

  it.each<[string, string[]]>([
    ['another subject', ['u2']],
    ['the same subject and another one', ['u1', 'u2']],
    ['an empty subject', ['']],
  ])('%s ⇒ subject_changed, nothing to store', (_name, subjects) => {
    expect(refresh(answer({ subjects }))).toEqual({ failure: 'subject_changed' });
  });

  it('no answer ⇒ unusable', () => {
    expect(refresh(undefined)).toEqual({ failure: 'unusable' });
  });

  it('copies the stored scopes rather than sharing the array', () => {
    expect(tokensOf(refresh(answer())).scopes).not.toBe(STORED.scopes);
  });
});
