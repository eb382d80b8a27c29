/* Threads as the C libraries make them: pthread_create (clone with
 * CLONE_VM | CLONE_THREAD | CLONE_SETTLS | CLONE_CHILD_CLEARTID ...),
 * thread-local storage (the FS base), mutexes and condition variables
 * (futex wait and wake), pthread_join (the cleared tid and its futex
 * wake), getpid/gettid, a signal to one thread, exit of a thread. */
#include "lt.h"
#include <pthread.h>

#define THREADS 4
#define ROUNDS 2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;
static __thread int mine;                  /* TLS: each thread its own */
static pid_t main_pid;
static volatile sig_atomic_t got_usr1;

static void *adder(void *arg)
{
    int id = (int)(intptr_t)arg;
    mine = id * 100;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    /* take turns in the order of the ids: condition variables */
    pthread_mutex_lock(&lock);
    while (turn != id)
        pthread_cond_wait(&cond, &lock);
    say("thread %d: tls %d, same pid %s, own tid %s", id, mine,
        getpid() == main_pid ? "yes" : "no", syscall(SYS_gettid) != main_pid ? "yes" : "no");
    turn++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    return (void *)(intptr_t)(id + 1000);
}

static void on_usr1(int sig)
{
    (void)sig;
    got_usr1 = 1;
}

static void *waiter(void *arg)
{
    (void)arg;
    while (!got_usr1)
        usleep(1000);
    return (void *)1;
}

static void *exiter(void *arg)
{
    (void)arg;
    pthread_exit((void *)77);
    return NULL;
}

int main(void)
{
    main_pid = getpid();
    mine = -1;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, adder, (void *)(intptr_t)i))
            say("pthread_create %d failed", i);
    void *joined[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], &joined[i]);
    for (int i = 0; i < THREADS; i++)       /* (after the threads' own lines) */
        say("joined %d: %ld", i, (long)(intptr_t)joined[i]);
    say("counter: %ld (expected %d)", counter, THREADS * ROUNDS);
    say("main's tls after: %d", mine);

    signal(SIGUSR1, on_usr1);
    pthread_t w;
    pthread_create(&w, NULL, waiter, NULL);
    pthread_kill(w, SIGUSR1);
    void *r;
    pthread_join(w, &r);
    say("signal to a thread: handled %s, joined %ld", got_usr1 ? "yes" : "no", (long)(intptr_t)r);

    pthread_t e;
    pthread_create(&e, NULL, exiter, NULL);
    pthread_join(e, &r);
    say("pthread_exit: %ld", (long)(intptr_t)r);
    lt_done();
}
