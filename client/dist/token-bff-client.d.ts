export interface TokenBffOptions {
    /** The service's origin, e.g. https://bff.example.com ('' for the page's own origin). */
    baseUrl: string;
    /** 'bearer' for apps without a cookie jar (React Native); by default 'bearer' when a
     *  sessionToken is given, else 'cookie' (browsers). */
    mode?: 'cookie' | 'bearer';
    /** Bearer mode: the session token kept from an earlier signIn, if any. */
    sessionToken?: string;
    fetch?: typeof fetch;
    /** Bearer mode: called with each new session token (and undefined when it is gone), so an
     *  app can keep it in the Keychain / Keystore. */
    onSessionToken?: (token: string | undefined) => void;
    /** Milliseconds since the epoch; Date.now by default. */
    now?: () => number;
    /** Cookie mode's LikeCoin connect; location.assign by default. */
    navigate?: (url: string) => void;
}
export interface SignedIn {
    user: {
        id: string;
    };
    session_token: string;
    expires_at: string;
}
export interface Device {
    /** An opaque handle, never usable as a credential. */
    id: string;
    current: boolean;
    carrier: 'cookie' | 'bearer';
    created_at: string;
    last_seen_at: string;
    user_agent: string | null;
}
export interface LiveLikeToken {
    access_token: string;
    token_type: 'Bearer';
    /** Seconds; null when the service mints tokens without `exp`. */
    expires_in: number | null;
    expires_at: string | null;
    custom_profile_id: string;
}
/** What LiveLike's SDK stores as its user profile; only access_token matters to us. */
export interface LiveLikeProfile {
    access_token: string;
    [field: string]: unknown;
}
export interface LiveLikeStorageStrategy {
    get(): LiveLikeProfile;
    set(profile: LiveLikeProfile | null | undefined): void;
}
/** A problem answer from token-bff (or a failure of its answer), as an Error to switch on. */
export declare class TokenBffError extends Error {
    readonly status: number;
    readonly code: string;
    readonly detail?: string | undefined;
    /** Seconds, from Retry-After (429, 503). */
    readonly retryAfter?: number | undefined;
    constructor(status: number, code: string, detail?: string | undefined, 
    /** Seconds, from Retry-After (429, 503). */
    retryAfter?: number | undefined);
}
/** Reused until this long before expires_at (half the lifetime for tokens of 2 minutes or less). */
export declare const RENEW_BEFORE_MS = 60000;
/** A background renewal that failed is not tried again sooner than this (or Retry-After). */
export declare const RENEW_RETRY_MS = 5000;
/** What the SDK is given while nobody is signed in: LiveLike refuses it (401), and a non-empty
 *  value stops the SDK from falling back to the token it was initialised with. */
export declare const SIGNED_OUT_TOKEN = "token-bff:signed-out";
export declare function createTokenBff(options: TokenBffOptions): {
    mode: "cookie" | "bearer";
    signIn: (idToken: string) => Promise<SignedIn>;
    signOut: () => Promise<void>;
    session: () => Promise<Record<string, unknown>>;
    sessionToken: () => string | undefined;
    devices: {
        list: (cursor?: string) => Promise<{
            sessions: Device[];
            next_cursor: string | null;
        }>;
        end: (id: string) => Promise<void>;
        endOthers: () => Promise<void>;
        endAll: () => Promise<void>;
    };
    liveLike: {
        token: () => Promise<LiveLikeToken>;
        renew: () => Promise<LiveLikeToken>;
        storageStrategy: () => LiveLikeStorageStrategy;
    };
    likecoin: {
        fetch: (path: string, init?: RequestInit) => Promise<Response>;
        connect: (returnTo: string, scope?: string) => Promise<{
            authorization_url: string;
        } | undefined>;
        complete: (result: string) => Promise<Record<string, unknown>>;
        disconnect: (options?: {
            everywhere?: boolean;
        }) => Promise<void>;
    };
    livelike: {
        fetch: (path: string, init?: RequestInit) => Promise<Response>;
    };
};
export type TokenBff = ReturnType<typeof createTokenBff>;
