/**
 * Extra CA certificates (a registry or feed server behind a private CA), loaded on Vigil's first TLS
 * connection instead of at every process start.
 *
 * Node reads `NODE_EXTRA_CA_CERTS` before any JavaScript runs and parses every certificate in it, which
 * costs 30–90 ms per command when the variable points at a whole system bundle, as many CI images and
 * corporate machines set it. Vigil's launcher (`bin/vigil.cjs`) therefore moves the variable to
 * `VIGIL_EXTRA_CA_CERTS`, and this module gives the same trust to Vigil's own connections when one is
 * first made: Node's bundled roots plus the file's certificates, as Node itself would. Commands that
 * never open a TLS connection (an archive, a cached SBOM, a local advisory database) never read it.
 *
 * `NODE_EXTRA_CA_CERTS`, when still set (Vigil started as `node dist/cli/main.js`), keeps working as
 * Node made it work: Node has already added it to the default store.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export interface ExtraCa {
  /** The file the certificates came from. */
  file: string;
  /** Node's bundled roots, then the file's certificates (PEM), for a TLS `ca` option. */
  ca: string[];
  /** How many certificates the file added. */
  added: number;
}

/**
 * Reads the certificates of `file`. Like Node with a bad `NODE_EXTRA_CA_CERTS`, an unreadable file or
 * one without a certificate is not fatal: `warning` says why and connections use the default roots. A
 * PEM block that does not parse as a certificate is left out, with a warning that counts them (TLS would
 * otherwise drop it without a word).
 */
export function loadExtraCa(file: string, warning: (message: string) => void): ExtraCa | undefined {
  let text: string;
  try {
    text = readFileSync(file, "latin1");
  } catch (err) {
    warning(
      `ignoring extra CA certificates from ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
    return undefined;
  }
  const blocks = text.match(PEM) ?? [];
  const pems = blocks.filter((pem) => {
    try {
      new X509Certificate(pem);
      return true;
    } catch {
      return false;
    }
  });
  if (pems.length === 0) {
    warning(
      blocks.length === 0
        ? `ignoring extra CA certificates from ${file}: no PEM certificate in it`
        : `ignoring extra CA certificates from ${file}: none of its ${blocks.length} PEM blocks parses as a certificate`,
    );
    return undefined;
  }
  if (pems.length < blocks.length) {
    const bad = blocks.length - pems.length;
    warning(
      `ignoring ${bad} of the ${blocks.length} certificates in ${file}: ${bad === 1 ? "it does" : "they do"} not parse`,
    );
  }
  // Required here, not imported: reading `rootCertificates` parses Node's whole bundled store.
  const { rootCertificates } = createRequire(import.meta.url)("node:tls") as typeof import("node:tls");
  return { file, ca: [...rootCertificates, ...pems], added: pems.length };
}

let state: Promise<ExtraCa | undefined> | undefined;

function warn(message: string): void {
  process.stderr.write(`vigil: warning: ${message}\n`);
}

/**
 * Makes the extra certificates of `VIGIL_EXTRA_CA_CERTS` trusted by every later `fetch` (through
 * undici's global dispatcher, which Node's own fetch uses) and returns them for `https.request`. Does
 * nothing, and loads nothing, when the variable is unset. Call before each outgoing connection; the
 * work is done once.
 */
export function prepareTls(): Promise<ExtraCa | undefined> {
  state ??= (async () => {
    const file = process.env.VIGIL_EXTRA_CA_CERTS;
    if (!file) return undefined;
    const extra = loadExtraCa(file, warn);
    if (!extra) return undefined;
    // undici's major version matches the one inside Node 20, whose fetch reads this global dispatcher.
    const { Agent, setGlobalDispatcher } = await import("undici");
    setGlobalDispatcher(new Agent({ connect: { ca: extra.ca } }));
    return extra;
  })();
  return state;
}

/** OpenSSL's codes for a server certificate that the trusted roots do not vouch for. */
const UNTRUSTED_CERT =
  /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_UNTRUSTED)$/;
/** Codes for a certificate that is trusted but not valid for this connection. */
const INVALID_CERT = /^(CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** A certificate failure: retrying the connection cannot help. */
export function isCertificateFailure(code: string | undefined): boolean {
  return code !== undefined && (UNTRUSTED_CERT.test(code) || INVALID_CERT.test(code));
}

/**
 * Why a connection failed, in words: the error code, and for a certificate that is not trusted, what
 * to do about it (a private CA is the usual cause).
 */
export function connectionFailure(code: string | undefined, message: string | undefined): string {
  if (code && UNTRUSTED_CERT.test(code))
    return `the server's TLS certificate is not trusted (${code}: ${message ?? "certificate verification failed"}); for a server behind a private CA, point NODE_EXTRA_CA_CERTS at the CA's certificate (PEM)`;
  if (code && INVALID_CERT.test(code))
    return `the server's TLS certificate is not valid for this connection (${code}${message ? `: ${message}` : ""})`;
  return code ?? message ?? "connection failed";
}
