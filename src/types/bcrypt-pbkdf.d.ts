/** Types for bcrypt-pbkdf (OpenBSD's bcrypt_pbkdf, as OpenSSH uses to protect private keys). */
declare module 'bcrypt-pbkdf' {
  export function pbkdf(
    pass: Uint8Array, passlen: number, salt: Uint8Array, saltlen: number, key: Uint8Array, keylen: number, rounds: number,
  ): number;
  /** The CommonJS exports object: what import() gives as default under Node and in a bundle alike. */
  const exports: { pbkdf: typeof pbkdf };
  export default exports;
}
