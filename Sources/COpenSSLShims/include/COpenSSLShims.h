// One function or constant per OpenSSL macro that Swift cannot import.
// Each symbol is named COpenSSLShims_<exact OpenSSL name>, so the OpenSSL man page applies verbatim.
#ifndef DOCKGATE_COPENSSL_SHIMS_H
#define DOCKGATE_COPENSSL_SHIMS_H

#include <stdint.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

// SSL_OP_* values are SSL_OP_BIT(n) function-like macros.
extern const uint64_t COpenSSLShims_SSL_OP_NO_RENEGOTIATION;
extern const uint64_t COpenSSLShims_SSL_OP_NO_COMPRESSION;
extern const uint64_t COpenSSLShims_SSL_OP_NO_TICKET;
extern const uint64_t COpenSSLShims_SSL_OP_CIPHER_SERVER_PREFERENCE;
extern const uint64_t COpenSSLShims_SSL_OP_IGNORE_UNEXPECTED_EOF;
extern const uint64_t COpenSSLShims_SSL_OP_NO_SSLv3;
extern const uint64_t COpenSSLShims_SSL_OP_NO_TLSv1;
extern const uint64_t COpenSSLShims_SSL_OP_NO_TLSv1_1;

// SSL_CTX_ctrl / SSL_ctrl macros.
int COpenSSLShims_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
int COpenSSLShims_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
long COpenSSLShims_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
long COpenSSLShims_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
int COpenSSLShims_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list);
long COpenSSLShims_SSL_get_mode(SSL *ssl);

// Safe-stack macros, needed to walk SANs and chains.
int COpenSSLShims_sk_GENERAL_NAME_num(const GENERAL_NAMES *names);
const GENERAL_NAME *COpenSSLShims_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index);
void COpenSSLShims_GENERAL_NAMES_free(GENERAL_NAMES *names);
int COpenSSLShims_sk_X509_num(const STACK_OF(X509) *chain);
X509 *COpenSSLShims_sk_X509_value(const STACK_OF(X509) *chain, int index);

int COpenSSLShims_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *revoked);
X509_REVOKED *COpenSSLShims_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *revoked, int index);

// OPENSSL_free adds file and line; needed to free BN_bn2hex / i2s output.
void COpenSSLShims_OPENSSL_free(void *pointer);

// EVP_EC_gen / EVP_RSA_gen expand to the variadic EVP_PKEY_Q_keygen.
EVP_PKEY *COpenSSLShims_EVP_EC_gen(const char *curve);
EVP_PKEY *COpenSSLShims_EVP_RSA_gen(unsigned int bits);

// X509V3_set_ctx_nodb writes a struct field.
void COpenSSLShims_X509V3_set_ctx_nodb(X509V3_CTX *ctx);

#endif
