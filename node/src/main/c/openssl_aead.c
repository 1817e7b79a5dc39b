/*
 * topicmesh's JNI shim for OpenSSL 3's ChaCha20-Poly1305 (RFC 8439), the noise transport's AEAD on
 * JVMs without the final FFM API (JDK 17-21). Java side: io.topicmesh.node.security.noise.
 * JniChaCha20Poly1305 and JniAeads. Built by node/pom.xml (src/main/c/build.sh) into
 * target/classes/native/linux-x86_64/libtopicmesh-aead.so.
 *
 * libcrypto is not linked: load0 dlopens it (libcrypto.so.3 unless told otherwise) and looks up
 * the few EVP and ERR functions used here, so that neither OpenSSL's headers nor its development
 * package are needed to build, and a machine without libcrypto gets a clear error instead of a
 * failed System.load. The prototypes below are OpenSSL 3's public API.
 *
 * One EVP_CIPHER_CTX per Java instance (a jlong handle), keyed once; each message re-initialises
 * the nonce only. Buffers are direct (an address from GetDirectBufferAddress) or byte arrays (held
 * with GetPrimitiveArrayCritical while libcrypto runs): no copies either way. No JNI call is made
 * while a critical region is open; errors are thrown only after every region is released.
 */
#include <dlfcn.h>
#include <jni.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_cipher_st EVP_CIPHER;
typedef struct engine_st ENGINE;
typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;

#define EVP_CTRL_AEAD_GET_TAG 0x10
#define EVP_CTRL_AEAD_SET_TAG 0x11
#define TAG_LENGTH 16
#define NONCE_LENGTH 12
#define KEY_LENGTH 32

static EVP_CIPHER_CTX *(*ctx_new)(void);
static void (*ctx_free)(EVP_CIPHER_CTX *);
static int (*cipher_init)(EVP_CIPHER_CTX *, const EVP_CIPHER *, ENGINE *, const unsigned char *,
                          const unsigned char *, int);
static int (*cipher_update)(EVP_CIPHER_CTX *, unsigned char *, int *, const unsigned char *, int);
static int (*cipher_final)(EVP_CIPHER_CTX *, unsigned char *, int *);
static int (*ctx_ctrl)(EVP_CIPHER_CTX *, int, int, void *);
static EVP_CIPHER *(*cipher_fetch)(OSSL_LIB_CTX *, const char *, const char *);
static const char *(*openssl_version)(int);
static unsigned long (*err_get_error)(void);
static void (*err_error_string_n)(unsigned long, char *, size_t);
static void (*err_clear_error)(void);

/* Set once by load0 (the Java side calls it once, under a lock) and never unset. */
static void *library;
static const EVP_CIPHER *chacha20_poly1305;
static const char *version;

static void throw_state(JNIEnv *env, const char *message) {
  jclass type = (*env)->FindClass(env, "java/lang/IllegalStateException");
  if (type != NULL) {
    (*env)->ThrowNew(env, type, message);
  }
}

/* OpenSSL's queued error texts appended to "what failed: " (the queue is emptied). */
static void describe(char *text, size_t size, const char *what) {
  size_t used = (size_t)snprintf(text, size, "%s failed: ", what);
  int any = 0;
  for (int i = 0; i < 8 && used + 2 < size; i++) {
    unsigned long code = err_get_error();
    if (code == 0) {
      break;
    }
    if (any) {
      used += (size_t)snprintf(text + used, size - used, "; ");
    }
    if (used + 1 < size) {
      err_error_string_n(code, text + used, size - used);
      used += strlen(text + used);
    }
    any = 1;
  }
  if (!any && used + 1 < size) {
    snprintf(text + used, size - used, "no OpenSSL error queued");
  }
  err_clear_error();
}

static int bind(void **to, const char *name, char *text, size_t size) {
  dlerror();
  *to = dlsym(library, name);
  if (*to == NULL) {
    const char *why = dlerror();
    snprintf(text, size, "libcrypto has no %s (OpenSSL 3 is needed): %s", name, why ? why : "not found");
    return 0;
  }
  return 1;
}

/* Loads libcrypto and returns OpenSSL's version text; throws IllegalStateException naming what failed. */
JNIEXPORT jstring JNICALL Java_io_topicmesh_node_security_noise_JniChaCha20Poly1305_load0(
    JNIEnv *env, jclass cls, jstring name) {
  (void)cls;
  char text[512];
  if (version != NULL) {
    return (*env)->NewStringUTF(env, version);
  }
  const char *path = (*env)->GetStringUTFChars(env, name, NULL);
  if (path == NULL) {
    return NULL;
  }
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    const char *why = dlerror();
    snprintf(text, sizeof text, "cannot load %s (install libssl3, or set -Dtopicmesh.noise.libcrypto to libcrypto's path): %s",
             path, why ? why : "dlopen failed");
    (*env)->ReleaseStringUTFChars(env, name, path);
    throw_state(env, text);
    return NULL;
  }
  (*env)->ReleaseStringUTFChars(env, name, path);
  library = handle;
  void *f[11];
  static const char *const names[11] = {
      "EVP_CIPHER_CTX_new", "EVP_CIPHER_CTX_free", "EVP_CipherInit_ex", "EVP_CipherUpdate",
      "EVP_CipherFinal_ex", "EVP_CIPHER_CTX_ctrl", "EVP_CIPHER_fetch", "OpenSSL_version",
      "ERR_get_error", "ERR_error_string_n", "ERR_clear_error"};
  for (int i = 0; i < 11; i++) {
    if (!bind(&f[i], names[i], text, sizeof text)) {
      throw_state(env, text);
      return NULL;
    }
  }
  /* dlsym hands out object pointers; POSIX guarantees they convert to function pointers. */
  memcpy(&ctx_new, &f[0], sizeof f[0]);
  memcpy(&ctx_free, &f[1], sizeof f[1]);
  memcpy(&cipher_init, &f[2], sizeof f[2]);
  memcpy(&cipher_update, &f[3], sizeof f[3]);
  memcpy(&cipher_final, &f[4], sizeof f[4]);
  memcpy(&ctx_ctrl, &f[5], sizeof f[5]);
  memcpy(&cipher_fetch, &f[6], sizeof f[6]);
  memcpy(&openssl_version, &f[7], sizeof f[7]);
  memcpy(&err_get_error, &f[8], sizeof f[8]);
  memcpy(&err_error_string_n, &f[9], sizeof f[9]);
  memcpy(&err_clear_error, &f[10], sizeof f[10]);
  const char *v = openssl_version(0); /* OPENSSL_VERSION */
  const EVP_CIPHER *c = cipher_fetch(NULL, "ChaCha20-Poly1305", NULL);
  if (c == NULL) {
    char what[300];
    snprintf(what, sizeof what, "%s has no ChaCha20-Poly1305 (EVP_CIPHER_fetch)", v ? v : "libcrypto");
    describe(text, sizeof text, what);
    throw_state(env, text);
    return NULL;
  }
  chacha20_poly1305 = c;
  version = v ? v : "OpenSSL (no version text)";
  return (*env)->NewStringUTF(env, version);
}

/* A new context keyed with the 32-byte key; throws IllegalStateException on failure. */
JNIEXPORT jlong JNICALL Java_io_topicmesh_node_security_noise_JniChaCha20Poly1305_create0(
    JNIEnv *env, jclass cls, jbyteArray key) {
  (void)cls;
  char text[512];
  if (chacha20_poly1305 == NULL) {
    throw_state(env, "libcrypto is not loaded (JniChaCha20Poly1305.load0 first)");
    return 0;
  }
  if ((*env)->GetArrayLength(env, key) != KEY_LENGTH) {
    throw_state(env, "ChaCha20 keys are 32 bytes");
    return 0;
  }
  unsigned char k[KEY_LENGTH];
  (*env)->GetByteArrayRegion(env, key, 0, KEY_LENGTH, (jbyte *)k);
  EVP_CIPHER_CTX *ctx = ctx_new();
  if (ctx == NULL) {
    memset(k, 0, sizeof k);
    describe(text, sizeof text, "EVP_CIPHER_CTX_new");
    throw_state(env, text);
    return 0;
  }
  int ok = cipher_init(ctx, chacha20_poly1305, NULL, k, NULL, 1);
  /* volatile-free zeroing the compiler keeps: the key goes out of scope right after. */
  memset(k, 0, sizeof k);
  __asm__ __volatile__("" : : "r"(k) : "memory");
  if (ok != 1) {
    describe(text, sizeof text, "EVP_CipherInit_ex (key)");
    ctx_free(ctx);
    throw_state(env, text);
    return 0;
  }
  return (jlong)(intptr_t)ctx;
}

JNIEXPORT void JNICALL Java_io_topicmesh_node_security_noise_JniChaCha20Poly1305_free0(
    JNIEnv *env, jclass cls, jlong handle) {
  (void)env;
  (void)cls;
  if (handle != 0 && ctx_free != NULL) {
    ctx_free((EVP_CIPHER_CTX *)(intptr_t)handle);
  }
}

/* A buffer's memory: a direct buffer's address, or a byte array held critically while in use. */
typedef struct {
  jbyteArray array;
  unsigned char *base;
  jint offset;
  int critical;
} region;

/* Before any critical region: resolve direct buffers (a JNI call). 0 with an exception pending on failure. */
static int prepare(JNIEnv *env, region *r, jobject direct, jbyteArray array, jint offset) {
  r->array = array;
  r->offset = offset;
  r->critical = 0;
  r->base = NULL;
  if (direct != NULL) {
    r->base = (unsigned char *)(*env)->GetDirectBufferAddress(env, direct);
    if (r->base == NULL) {
      throw_state(env, "GetDirectBufferAddress gave no address (not a direct buffer?)");
      return 0;
    }
  } else if (array == NULL) {
    throw_state(env, "neither a direct buffer nor an array");
    return 0;
  }
  return 1;
}

/* Opens the critical region of an array (or shares that of the same array already held). */
static int pin(JNIEnv *env, region *r, const region *same) {
  if (r->base != NULL) {
    return 1;
  }
  if (same != NULL && same->critical && same->base != NULL) {
    r->base = same->base;
    return 1;
  }
  r->base = (unsigned char *)(*env)->GetPrimitiveArrayCritical(env, r->array, NULL);
  if (r->base == NULL) {
    return 0;
  }
  r->critical = 1;
  return 1;
}

static void unpin(JNIEnv *env, region *r, jint mode) {
  if (r->critical) {
    (*env)->ReleasePrimitiveArrayCritical(env, r->array, r->base, mode);
    r->critical = 0;
  }
}

static void nonce_bytes(unsigned char iv[NONCE_LENGTH], jint n0, jlong n1) {
  uint32_t a = (uint32_t)n0;
  uint64_t b = (uint64_t)n1;
  for (int i = 0; i < 4; i++) {
    iv[i] = (unsigned char)(a >> (8 * i));
  }
  for (int i = 0; i < 8; i++) {
    iv[4 + i] = (unsigned char)(b >> (8 * i));
  }
}

/*
 * One message. encrypt: seals len bytes of in into out, then the tag (out holds len + 16).
 * decrypt: in holds len bytes and the tag; opens into out (len bytes) and returns 0 when the tag is
 * wrong, with out zeroed. Returns 1 on success, -1 (text set) when libcrypto failed otherwise.
 */
static int one_message(EVP_CIPHER_CTX *ctx, int encrypt, const unsigned char iv[NONCE_LENGTH],
                       const unsigned char *ad, int ad_len, const unsigned char *in, unsigned char *out,
                       int len, char *text, size_t size) {
  int outl = 0;
  unsigned char tag[TAG_LENGTH];
  if (cipher_init(ctx, NULL, NULL, NULL, iv, encrypt) != 1) {
    describe(text, size, "EVP_CipherInit_ex (nonce)");
    return -1;
  }
  if (ad_len > 0 && cipher_update(ctx, NULL, &outl, ad, ad_len) != 1) {
    describe(text, size, "EVP_CipherUpdate (AAD)");
    return -1;
  }
  if (!encrypt) {
    memcpy(tag, in + len, TAG_LENGTH);
    if (ctx_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LENGTH, tag) != 1) {
      describe(text, size, "EVP_CTRL_AEAD_SET_TAG");
      return -1;
    }
  }
  if (len > 0) {
    if (cipher_update(ctx, out, &outl, in, len) != 1) {
      describe(text, size, "EVP_CipherUpdate");
      return -1;
    }
    if (outl != len) {
      snprintf(text, size, "EVP_CipherUpdate wrote %d of %d bytes", outl, len);
      return -1;
    }
  }
  if (cipher_final(ctx, tag, &outl) != 1) {
    if (encrypt) {
      describe(text, size, "EVP_CipherFinal_ex");
      return -1;
    }
    /* The tag did not match (the only way a decrypting final fails here): no plaintext stays. */
    memset(out, 0, (size_t)len);
    err_clear_error();
    return 0;
  }
  if (encrypt) {
    if (ctx_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LENGTH, tag) != 1) {
      describe(text, size, "EVP_CTRL_AEAD_GET_TAG");
      return -1;
    }
    memcpy(out + len, tag, TAG_LENGTH);
  }
  return 1;
}

static jint run(JNIEnv *env, jlong handle, int encrypt, jint n0, jlong n1, jbyteArray ad,
                jobject in_direct, jbyteArray in_array, jint in_offset, jobject out_direct,
                jbyteArray out_array, jint out_offset, jint len) {
  char text[512];
  if (handle == 0) {
    throw_state(env, "the AEAD is closed");
    return -1;
  }
  region a = {NULL, NULL, 0, 0};
  region in, out;
  jint ad_len = ad == NULL ? 0 : (*env)->GetArrayLength(env, ad);
  if (!prepare(env, &in, in_direct, in_array, in_offset) || !prepare(env, &out, out_direct, out_array, out_offset)) {
    return -1;
  }
  int same_in_out = in_direct == NULL && out_direct == NULL && (*env)->IsSameObject(env, in_array, out_array);
  unsigned char iv[NONCE_LENGTH];
  nonce_bytes(iv, n0, n1);
  int result = -1;
  a.array = ad;
  if (ad_len > 0 && !pin(env, &a, NULL)) {
    goto out_of_memory;
  }
  if (!pin(env, &in, NULL)) {
    unpin(env, &a, JNI_ABORT);
    goto out_of_memory;
  }
  if (!pin(env, &out, same_in_out ? &in : NULL)) {
    unpin(env, &in, JNI_ABORT);
    unpin(env, &a, JNI_ABORT);
    goto out_of_memory;
  }
  result = one_message((EVP_CIPHER_CTX *)(intptr_t)handle, encrypt, iv, a.base, ad_len, in.base + in.offset,
                 out.base + out.offset, len, text, sizeof text);
  unpin(env, &out, 0);
  unpin(env, &in, same_in_out ? 0 : JNI_ABORT);
  unpin(env, &a, JNI_ABORT);
  if (result < 0) {
    throw_state(env, text);
  }
  return result;
out_of_memory:
  if (!(*env)->ExceptionCheck(env)) {
    throw_state(env, "GetPrimitiveArrayCritical failed");
  }
  return -1;
}

/* Seals: 1, or an IllegalStateException with OpenSSL's error text. */
JNIEXPORT jint JNICALL Java_io_topicmesh_node_security_noise_JniChaCha20Poly1305_seal0(
    JNIEnv *env, jclass cls, jlong handle, jint n0, jlong n1, jbyteArray ad, jobject in_direct,
    jbyteArray in_array, jint in_offset, jobject out_direct, jbyteArray out_array, jint out_offset,
    jint len) {
  (void)cls;
  return run(env, handle, 1, n0, n1, ad, in_direct, in_array, in_offset, out_direct, out_array, out_offset, len);
}

/* Opens: 1 authentic, 0 a bad tag (output zeroed), or an IllegalStateException. */
JNIEXPORT jint JNICALL Java_io_topicmesh_node_security_noise_JniChaCha20Poly1305_open0(
    JNIEnv *env, jclass cls, jlong handle, jint n0, jlong n1, jbyteArray ad, jobject in_direct,
    jbyteArray in_array, jint in_offset, jobject out_direct, jbyteArray out_array, jint out_offset,
    jint len) {
  (void)cls;
  return run(env, handle, 0, n0, n1, ad, in_direct, in_array, in_offset, out_direct, out_array, out_offset, len);
}
