import { createHash, type webcrypto } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encrypts values at rest (compact JWE, dir + A256GCM). The first key seals, every key opens
 * (rotation, picked by `kid`). Each box is bound to a context (a session id): the binding sits
 * in the authenticated protected header, so a box copied under another session's key fails.
 * Keys are imported once as CryptoKeys: jose works on WebCrypto and would import raw keys again
 * on every call.
 */
export class SealedBox {
  private readonly keys: { kid: string; key: Promise<webcrypto.CryptoKey> }[];

  constructor(keys: readonly Uint8Array[]) {
    if (keys.length === 0) throw new Error('SealedBox needs at least one key');
    this.keys = keys.map((k) => ({
      kid: digest(k).slice(0, 12),
      key: crypto.subtle.importKey('raw', k, 'AES-GCM', false, ['encrypt', 'decrypt']),
    }));
  }

  async seal(plaintext: string, binding: string): Promise<string> {
    const { kid, key } = this.keys[0]!;
    return new CompactEncrypt(encoder.encode(plaintext))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid, bnd: digest(binding) })
      .encrypt(await key);
  }

  /** The plaintext, or undefined when the box is foreign, tampered with, or bound elsewhere. */
  async open(sealed: string, binding: string): Promise<string | undefined> {
    try {
      const header = decodeProtectedHeader(sealed);
      const entry = this.keys.find((k) => k.kid === header.kid);
      if (!entry) return undefined;
      const { plaintext, protectedHeader } = await compactDecrypt(sealed, await entry.key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return protectedHeader.bnd === digest(binding) ? decoder.decode(plaintext) : undefined;
    } catch {
      return undefined;
    }
  }
}

function digest(value: Uint8Array | string): string {
  return createHash('sha256').update(value).digest('base64url');
}
