/* ThreadSanitizer and C11 threads (scripts/sanitize thread, docs/sanitizers.md).
 *
 * Debian's librdkafka starts its threads with C11 thrd_create and locks with mtx_/cnd_. glibc implements those by
 * calling its internal pthread functions directly, past TSan's interceptors: TSan then runs code on a thread it
 * never registered (a SEGV inside the runtime) and misses librdkafka's locking. This library, LD_PRELOADed for the
 * TSan run only, routes the C11 calls through the public pthread functions, which TSan intercepts. glibc's mtx_t
 * and cnd_t have the layout of pthread_mutex_t and pthread_cond_t (it implements them that way). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

struct start {
    thrd_start_t function;
    void *argument;
};

static void *trampoline(void *raw) {
    struct start start = *(struct start *)raw;
    free(raw);
    return (void *)(intptr_t)start.function(start.argument);
}

static int result(int code) {
    switch (code) {
    case 0: return thrd_success;
    case ENOMEM: return thrd_nomem;
    case EBUSY: return thrd_busy;
    case ETIMEDOUT: return thrd_timedout;
    default: return thrd_error;
    }
}

int thrd_create(thrd_t *thread, thrd_start_t function, void *argument) {
    struct start *start = malloc(sizeof *start);
    if (start == NULL) return thrd_nomem;
    start->function = function;
    start->argument = argument;
    int code = pthread_create((pthread_t *)thread, NULL, trampoline, start);
    if (code != 0) free(start);
    return result(code);
}

int thrd_join(thrd_t thread, int *value) {
    void *returned = NULL;
    int code = pthread_join((pthread_t)thread, &returned);
    if (code == 0 && value != NULL) *value = (int)(intptr_t)returned;
    return result(code);
}

int thrd_detach(thrd_t thread) { return result(pthread_detach((pthread_t)thread)); }

int mtx_init(mtx_t *mutex, int type) {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    if (type & mtx_recursive) pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
    int code = pthread_mutex_init((pthread_mutex_t *)mutex, &attributes);
    pthread_mutexattr_destroy(&attributes);
    return result(code);
}

int mtx_lock(mtx_t *mutex) { return result(pthread_mutex_lock((pthread_mutex_t *)mutex)); }
int mtx_trylock(mtx_t *mutex) { return result(pthread_mutex_trylock((pthread_mutex_t *)mutex)); }
int mtx_timedlock(mtx_t *mutex, const struct timespec *until) {
    return result(pthread_mutex_timedlock((pthread_mutex_t *)mutex, until));
}
int mtx_unlock(mtx_t *mutex) { return result(pthread_mutex_unlock((pthread_mutex_t *)mutex)); }
void mtx_destroy(mtx_t *mutex) { pthread_mutex_destroy((pthread_mutex_t *)mutex); }

int cnd_init(cnd_t *condition) { return result(pthread_cond_init((pthread_cond_t *)condition, NULL)); }
int cnd_signal(cnd_t *condition) { return result(pthread_cond_signal((pthread_cond_t *)condition)); }
int cnd_broadcast(cnd_t *condition) { return result(pthread_cond_broadcast((pthread_cond_t *)condition)); }
int cnd_wait(cnd_t *condition, mtx_t *mutex) {
    return result(pthread_cond_wait((pthread_cond_t *)condition, (pthread_mutex_t *)mutex));
}
int cnd_timedwait(cnd_t *condition, mtx_t *mutex, const struct timespec *until) {
    return result(pthread_cond_timedwait((pthread_cond_t *)condition, (pthread_mutex_t *)mutex, until));
}
void cnd_destroy(cnd_t *condition) { pthread_cond_destroy((pthread_cond_t *)condition); }
