#include "COpenSSLShims.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>

const uint64_t COpenSSLShims_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
const uint64_t COpenSSLShims_SSL_OP_NO_COMPRESSION = SSL_OP_NO_COMPRESSION;
const uint64_t COpenSSLShims_SSL_OP_NO_TICKET = SSL_OP_NO_TICKET;
const uint64_t COpenSSLShims_SSL_OP_CIPHER_SERVER_PREFERENCE = SSL_OP_CIPHER_SERVER_PREFERENCE;
const uint64_t COpenSSLShims_SSL_OP_IGNORE_UNEXPECTED_EOF = SSL_OP_IGNORE_UNEXPECTED_EOF;
const uint64_t COpenSSLShims_SSL_OP_NO_SSLv3 = SSL_OP_NO_SSLv3;
const uint64_t COpenSSLShims_SSL_OP_NO_TLSv1 = SSL_OP_NO_TLSv1;
const uint64_t COpenSSLShims_SSL_OP_NO_TLSv1_1 = SSL_OP_NO_TLSv1_1;

int COpenSSLShims_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

int COpenSSLShims_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

long COpenSSLShims_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }

long COpenSSLShims_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

int COpenSSLShims_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

long COpenSSLShims_SSL_get_mode(SSL *ssl) { return SSL_get_mode(ssl); }

int COpenSSLShims_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }

const GENERAL_NAME *COpenSSLShims_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index) {
    return sk_GENERAL_NAME_value(names, index);
}

void COpenSSLShims_GENERAL_NAMES_free(GENERAL_NAMES *names) { GENERAL_NAMES_free(names); }

int COpenSSLShims_sk_X509_num(const STACK_OF(X509) *chain) { return sk_X509_num(chain); }

X509 *COpenSSLShims_sk_X509_value(const STACK_OF(X509) *chain, int index) { return sk_X509_value(chain, index); }

int COpenSSLShims_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *revoked) { return sk_X509_REVOKED_num(revoked); }

X509_REVOKED *COpenSSLShims_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *revoked, int index) {
    return sk_X509_REVOKED_value(revoked, index);
}

void COpenSSLShims_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }

EVP_PKEY *COpenSSLShims_EVP_EC_gen(const char *curve) { return EVP_EC_gen(curve); }

EVP_PKEY *COpenSSLShims_EVP_RSA_gen(unsigned int bits) { return EVP_RSA_gen(bits); }

void COpenSSLShims_X509V3_set_ctx_nodb(X509V3_CTX *ctx) { X509V3_set_ctx_nodb(ctx); }
