/*
 * The default build runs on any x86_64 glibc from 2.17 on (Amazon Linux 2, RHEL/CentOS 7, Ubuntu
 * 18.04 and newer), though the build machine's glibc is newer (checked with Debian 12's 2.36).
 *
 * A linker binds each C library function to the newest version the build machine's glibc
 * defines: built on Debian 12, `pthread_create` is `pthread_create@GLIBC_2.34`, and the binary
 * refuses to start on a glibc older than 2.34. Every one of those functions is still in glibc under
 * its old version too. build.rs links the binaries with `--wrap=NAME` for each NAME here, so every
 * call of NAME goes to `__wrap_NAME`, defined below:
 *   - FORWARD(NAME, VERSION): a jump to NAME at the version glibc 2.17 has (most pthread
 *     functions moved from libpthread into libc in 2.34, and got a new version there; build.rs
 *     also makes the binary need libpthread.so.0 and libdl.so.2, where glibc before 2.34 has them);
 *   - stat and its kin became functions of libc in 2.33; before, they were inline calls of
 *     __xstat and kin, which glibc still has;
 *   - the functions newer than 2.17 that Rust's std looks up weakly (present: use it; absent: do
 *     without) are defined here so that they work on every glibc: by the system call, or by asking
 *     the running glibc for the function and doing without it as std would;
 *   - __libc_start_main, which starts the program: see below.
 * A function this list lacks shows as a newer GLIBC_ version in the binary, and
 * tests/build_inputs.rs fails, naming it. OPSDASH_GLIBC_FLOOR=0 builds without any of this.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* __wrap_NAME jumps to NAME@VERSION (through the GOT: the arguments are untouched). */
#define FORWARD(name, version)                                                                     \
    __asm__(".globl __wrap_" #name "\n"                                                            \
            ".hidden __wrap_" #name "\n"                                                           \
            ".type __wrap_" #name ", @function\n"                                                  \
            "__wrap_" #name ":\n"                                                                  \
            "  jmp *opsdash_fwd_" #name "@GOTPCREL(%rip)\n"                                        \
            ".size __wrap_" #name ", . - __wrap_" #name "\n"                                       \
            ".symver opsdash_fwd_" #name ", " #name "@" version "\n")

FORWARD(pthread_create, "GLIBC_2.2.5");
FORWARD(pthread_join, "GLIBC_2.2.5");
FORWARD(pthread_detach, "GLIBC_2.2.5");
FORWARD(pthread_once, "GLIBC_2.2.5");
FORWARD(pthread_key_create, "GLIBC_2.2.5");
FORWARD(pthread_key_delete, "GLIBC_2.2.5");
FORWARD(pthread_getspecific, "GLIBC_2.2.5");
FORWARD(pthread_setspecific, "GLIBC_2.2.5");
FORWARD(pthread_rwlock_init, "GLIBC_2.2.5");
FORWARD(pthread_rwlock_destroy, "GLIBC_2.2.5");
FORWARD(pthread_rwlock_rdlock, "GLIBC_2.2.5");
FORWARD(pthread_rwlock_wrlock, "GLIBC_2.2.5");
FORWARD(pthread_rwlock_unlock, "GLIBC_2.2.5");
FORWARD(pthread_attr_setstacksize, "GLIBC_2.2.5");
FORWARD(pthread_attr_getstack, "GLIBC_2.2.5");
FORWARD(pthread_attr_getguardsize, "GLIBC_2.2.5");
FORWARD(pthread_getattr_np, "GLIBC_2.2.5");
FORWARD(pthread_setname_np, "GLIBC_2.12");
FORWARD(dlsym, "GLIBC_2.2.5");
FORWARD(pow, "GLIBC_2.2.5");

/* A function of glibc at an older version, called from C. */
#define OLD(ret, name, version, params)                                                            \
    ret opsdash_old_##name params;                                                                 \
    __asm__(".symver opsdash_old_" #name ", " #name "@" version)

/* stat and kin: glibc before 2.33 has them as __xstat and kin, taking the layout's version
 * (1 on x86_64). struct stat and struct stat64 are the same on x86_64. */
struct stat;
OLD(int, __xstat64, "GLIBC_2.2.5", (int, const char *, struct stat *));
OLD(int, __fxstat64, "GLIBC_2.2.5", (int, int, struct stat *));
OLD(int, __lxstat64, "GLIBC_2.2.5", (int, const char *, struct stat *));
#define STAT_VERSION 1
__attribute__((visibility("hidden"))) int __wrap_stat(const char *path, struct stat *buf) {
    return opsdash_old___xstat64(STAT_VERSION, path, buf);
}
__attribute__((visibility("hidden"))) int __wrap_stat64(const char *path, struct stat *buf) {
    return opsdash_old___xstat64(STAT_VERSION, path, buf);
}
__attribute__((visibility("hidden"))) int __wrap_lstat64(const char *path, struct stat *buf) {
    return opsdash_old___lxstat64(STAT_VERSION, path, buf);
}
__attribute__((visibility("hidden"))) int __wrap_fstat64(int fd, struct stat *buf) {
    return opsdash_old___fxstat64(STAT_VERSION, fd, buf);
}

/* The functions std takes if glibc has them (gettid 2.30, getrandom 2.25, statx 2.28): their
 * system calls, which is all glibc does (a kernel without one says ENOSYS, which std handles). */
__attribute__((visibility("hidden"))) pid_t __wrap_gettid(void) {
    return (pid_t)syscall(SYS_gettid);
}
__attribute__((visibility("hidden"))) ssize_t __wrap_getrandom(void *buf, size_t len,
                                                               unsigned int flags) {
    return syscall(SYS_getrandom, buf, len, flags);
}
struct statx;
__attribute__((visibility("hidden"))) int __wrap_statx(int dirfd, const char *path, int flags,
                                                       unsigned int mask, struct statx *buf) {
    return (int)syscall(SYS_statx, dirfd, path, flags, mask, buf);
}

OLD(void *, dlsym, "GLIBC_2.2.5", (void *, const char *));

/* A function of the running glibc, looked up once (NULL when it has none). Racing lookups find
 * the same answer. */
static void *running(void **slot, int *known, const char *name) {
    if (!__atomic_load_n(known, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(slot, opsdash_old_dlsym(RTLD_DEFAULT, name), __ATOMIC_RELAXED);
        __atomic_store_n(known, 1, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(slot, __ATOMIC_RELAXED);
}

/* posix_spawn_file_actions_addchdir_np (2.29): std spawns with it when a command has a working
 * directory; without it, that spawn fails with ENOSYS (opsdash sets none). */
typedef int (*addchdir_fn)(void *, const char *);
static void *addchdir_slot;
static int addchdir_known;
__attribute__((visibility("hidden"))) int __wrap_posix_spawn_file_actions_addchdir_np(
    void *actions, const char *path) {
    addchdir_fn f = (addchdir_fn)running(&addchdir_slot, &addchdir_known,
                                         "posix_spawn_file_actions_addchdir_np");
    return f ? f(actions, path) : ENOSYS;
}

/* __cxa_thread_atexit_impl (2.18): runs a thread-local value's destructor when its thread ends.
 * Without it (glibc 2.17), the same through a thread-specific key: each thread keeps its list of
 * destructors, run last registered first when the thread ends (as glibc does). As with glibc's,
 * a destructor of the main thread runs only if the main thread ends by pthread_exit. */
typedef void (*dtor_fn)(void *);
typedef int (*atexit_fn)(dtor_fn, void *, void *);
static void *atexit_slot;
static int atexit_known;
struct dtor {
    dtor_fn run;
    void *value;
    struct dtor *next;
};
static __thread struct dtor *dtors;
static pthread_key_t dtor_key;
static pthread_once_t dtor_key_once = PTHREAD_ONCE_INIT;
OLD(int, pthread_key_create, "GLIBC_2.2.5", (pthread_key_t *, void (*)(void *)));
OLD(int, pthread_setspecific, "GLIBC_2.2.5", (pthread_key_t, const void *));
OLD(int, pthread_once, "GLIBC_2.2.5", (pthread_once_t *, void (*)(void)));

static void run_dtors(void *unused) {
    (void)unused;
    /* A destructor may register more: run until none is left. */
    while (dtors) {
        struct dtor *d = dtors;
        dtors = d->next;
        d->run(d->value);
        free(d);
    }
}
static void make_dtor_key(void) {
    opsdash_old_pthread_key_create(&dtor_key, run_dtors);
}

/* Exposed (hidden) so that tests/build_inputs.rs can exercise it on a glibc that has the real one. */
__attribute__((visibility("hidden"))) int opsdash_thread_atexit_fallback(dtor_fn run, void *value) {
    struct dtor *d = malloc(sizeof *d);
    if (!d)
        return -1;
    d->run = run;
    d->value = value;
    d->next = dtors;
    dtors = d;
    opsdash_old_pthread_once(&dtor_key_once, make_dtor_key);
    /* Any value not NULL: the key's destructor runs only for those. */
    return opsdash_old_pthread_setspecific(dtor_key, (void *)1);
}

__attribute__((visibility("hidden"))) int __wrap___cxa_thread_atexit_impl(dtor_fn run, void *value,
                                                                         void *dso) {
    atexit_fn f = (atexit_fn)running(&atexit_slot, &atexit_known, "__cxa_thread_atexit_impl");
    return f ? f(run, value, dso) : opsdash_thread_atexit_fallback(run, value);
}

/*
 * __libc_start_main, called by the C start-up code (Scrt1.o) to run main. Since glibc 2.34 it
 * also runs the program's own constructors (.init_array: std's reading of argv among them), and
 * the start-up code passes no constructor function. Before 2.34 the start-up code passed one
 * (__libc_csu_init), and __libc_start_main called it. Here it is passed to the old version, which
 * every glibc has and which calls it (glibc 2.34 and later do too, when one is passed): _init,
 * then .init_array, as __libc_csu_init did. The loader runs .preinit_array and, at exit,
 * .fini_array, in every version.
 */
typedef int (*main_fn)(int, char **, char **);
typedef void (*ctor_fn)(int, char **, char **);
extern ctor_fn __init_array_start[] __attribute__((visibility("hidden")));
extern ctor_fn __init_array_end[] __attribute__((visibility("hidden")));
extern void _init(void);
OLD(int, __libc_start_main, "GLIBC_2.2.5",
    (main_fn, int, char **, ctor_fn, void (*)(void), void (*)(void), void *));

static void run_constructors(int argc, char **argv, char **envp) {
    _init();
    for (ctor_fn *c = __init_array_start; c < __init_array_end; c++)
        (*c)(argc, argv, envp);
}

__attribute__((visibility("hidden"))) int __wrap___libc_start_main(main_fn main, int argc,
                                                                  char **argv, void (*init)(void),
                                                                  void (*fini)(void),
                                                                  void (*rtld_fini)(void),
                                                                  void *stack_end) {
    (void)init;
    (void)fini;
    return opsdash_old___libc_start_main(main, argc, argv, run_constructors, NULL, rtld_fini,
                                         stack_end);
}
