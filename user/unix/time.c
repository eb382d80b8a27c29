/* Time: the clocks (REALTIME: the CMOS clock at boot plus the kernel's
 * SystemClock; MONOTONIC: SystemClock), sleeping, interval timers. */
#include <l4/kip.h>
#include "proc.h"
#include "signal.h"
#include "unix.h"

static uint64_t boot_epoch_us;          /* REALTIME at SystemClock 0 */

void time_init(uint64_t epoch_seconds_now)
{
    boot_epoch_us = epoch_seconds_now * 1000000 - now_us();
}

uint64_t realtime_now_us(void)
{
    return boot_epoch_us + now_us();
}

static void to_timespec(uint64_t us, struct __kernel_timespec *ts)
{
    ts->tv_sec = (long long)(us / 1000000);
    ts->tv_nsec = (long long)(us % 1000000) * 1000;
}

static long clock_us(int clock, uint64_t *us)
{
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        *us = realtime_now_us();
        return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        *us = now_us();
        return 0;
    default:
        return -EINVAL;
    }
}

static long sys_clock_gettime(struct thread *t, const uint64_t a[6])
{
    uint64_t us;
    long err = clock_us((int)a[0], &us);
    if (err)
        return err;
    struct __kernel_timespec ts;
    to_timespec(us, &ts);
    return copy_to_proc(t->proc, a[1], &ts, sizeof ts);
}

static long sys_clock_getres(struct thread *t, const uint64_t a[6])
{
    uint64_t us;
    long err = clock_us((int)a[0], &us);
    if (err || !a[1])
        return err;
    struct __kernel_timespec ts = { 0, 1000 };
    return copy_to_proc(t->proc, a[1], &ts, sizeof ts);
}

static long sys_gettimeofday(struct thread *t, const uint64_t a[6])
{
    uint64_t us = realtime_now_us();
    struct { long long sec, usec; } tv = { (long long)(us / 1000000), (long long)(us % 1000000) };
    if (a[0] && copy_to_proc(t->proc, a[0], &tv, sizeof tv))
        return -EFAULT;
    if (a[1]) {
        int tz[2] = { 0, 0 };
        if (copy_to_proc(t->proc, a[1], tz, sizeof tz))
            return -EFAULT;
    }
    return 0;
}

static long sys_time(struct thread *t, const uint64_t a[6])
{
    long s = (long)(realtime_now_us() / 1000000);
    if (a[0] && copy_to_proc(t->proc, a[0], &s, sizeof s))
        return -EFAULT;
    return s;
}

/* ---- sleeping --------------------------------------------------------------------- */

static long sleep_done(struct thread *t)
{
    t->wait.arg[0] = 0;                     /* (no time left to tell) */
    return 0;
}

/* Ended early (a signal): the time left, where the caller asked for it. */
static void sleep_cancel(struct thread *t)
{
    uint64_t now = now_us(), left = t->wait.arg[1] > now ? t->wait.arg[1] - now : 0;
    struct __kernel_timespec ts;
    to_timespec(left, &ts);
    if (t->wait.arg[0])
        copy_to_proc(t->proc, t->wait.arg[0], &ts, sizeof ts);
}

static long sleep_until(struct thread *t, uint64_t deadline, uint64_t urem)
{
    if (deadline <= now_us())
        return 0;
    struct wait w = { .cancel = sleep_cancel, .timeout = sleep_done, .deadline = deadline,
                      .arg = { urem, deadline } };
    return thread_wait(t, &w);
}

static long read_timespec(struct thread *t, uint64_t u, uint64_t *us)
{
    struct __kernel_timespec ts;
    if (copy_from_proc(t->proc, &ts, u, sizeof ts))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    *us = (uint64_t)ts.tv_sec * 1000000 + ((uint64_t)ts.tv_nsec + 999) / 1000;
    return 0;
}

static long sys_nanosleep(struct thread *t, const uint64_t a[6])
{
    uint64_t us;
    long err = read_timespec(t, a[0], &us);
    return err ? err : sleep_until(t, now_us() + us, a[1]);
}

static long sys_clock_nanosleep(struct thread *t, const uint64_t a[6])
{
    uint64_t us, now;
    long err = clock_us((int)a[0], &now);
    if (!err)
        err = read_timespec(t, a[2], &us);
    if (err)
        return err;
    if (a[1] & TIMER_ABSTIME) {
        uint64_t mono = now_us();
        return sleep_until(t, us > now ? mono + (us - now) : mono, 0);
    }
    return sleep_until(t, now_us() + us, a[3]);
}

/* ---- interval timers: ITIMER_REAL (alarm) --------------------------------------------- */

static long sys_times(struct thread *t, const uint64_t a[6])
{
    struct proc *p = t->proc;
    uint64_t ticks = (now_us() - p->start_us) / 10000;
    if (a[0]) {
        long tms[4] = { (long)ticks, 0, 0, 0 };
        if (copy_to_proc(p, a[0], tms, sizeof tms))
            return -EFAULT;
    }
    return (long)(now_us() / 10000);
}

/* The earliest alarm of all processes, 0 if none: the main loop asks for
 * it after every message, so it is kept rather than searched for. It may
 * be early (an alarm cancelled, its process gone): it then wakes the
 * server for nothing, and alarms_fire() finds the true one. */
static uint64_t earliest_alarm;

static void alarm_arm(struct proc *p, uint64_t at)
{
    p->alarm_at = at;
    if (at && (!earliest_alarm || at < earliest_alarm))
        earliest_alarm = at;
}

static long sys_alarm(struct thread *t, const uint64_t a[6])
{
    struct proc *p = t->proc;
    uint64_t now = now_us(), left = p->alarm_at > now ? p->alarm_at - now : 0;
    alarm_arm(p, a[0] ? now + a[0] * 1000000 : 0);
    p->alarm_interval = 0;
    return (long)((left + 999999) / 1000000);
}

struct itimerval_ { long long int_sec, int_usec, val_sec, val_usec; };

static long sys_getitimer(struct thread *t, const uint64_t a[6])
{
    if (a[0] != ITIMER_REAL)
        return -EINVAL;
    struct proc *p = t->proc;
    uint64_t now = now_us(), left = p->alarm_at > now ? p->alarm_at - now : 0;
    struct itimerval_ v = { (long long)(p->alarm_interval / 1000000),
                            (long long)(p->alarm_interval % 1000000), (long long)(left / 1000000),
                            (long long)(left % 1000000) };
    return copy_to_proc(p, a[1], &v, sizeof v);
}

static long sys_setitimer(struct thread *t, const uint64_t a[6])
{
    if (a[0] != ITIMER_REAL)
        return -EINVAL;
    struct itimerval_ v;
    if (a[1] && copy_from_proc(t->proc, &v, a[1], sizeof v))
        return -EFAULT;
    if (a[2]) {
        long err = sys_getitimer(t, (const uint64_t[6]){ ITIMER_REAL, a[2] });
        if (err)
            return err;
    }
    if (a[1]) {
        struct proc *p = t->proc;
        uint64_t val = (uint64_t)v.val_sec * 1000000 + (uint64_t)v.val_usec;
        p->alarm_interval = (uint64_t)v.int_sec * 1000000 + (uint64_t)v.int_usec;
        alarm_arm(p, val ? now_us() + val : 0);
    }
    return 0;
}

uint64_t alarms_next(void)
{
    return earliest_alarm;
}

void alarms_fire(uint64_t now)
{
    if (!earliest_alarm || earliest_alarm > now)
        return;
    earliest_alarm = 0;
    struct proc *p;
    for (unsigned at = 0; (p = proc_next(&at));) {
        if (!p->alarm_at || p->state != P_ALIVE)
            continue;
        if (p->alarm_at <= now) {
            alarm_arm(p, p->alarm_interval ? now + p->alarm_interval : 0);
            signal_send_proc(p, SIGALRM);
        } else {
            alarm_arm(p, p->alarm_at);
        }
    }
}

const struct syscall_entry time_syscalls[] = {
    { __NR_clock_gettime, "clock_gettime", sys_clock_gettime },
    { __NR_clock_getres, "clock_getres", sys_clock_getres },
    { __NR_gettimeofday, "gettimeofday", sys_gettimeofday },
    { __NR_time, "time", sys_time },
    { __NR_nanosleep, "nanosleep", sys_nanosleep },
    { __NR_clock_nanosleep, "clock_nanosleep", sys_clock_nanosleep },
    { __NR_times, "times", sys_times },
    { __NR_alarm, "alarm", sys_alarm },
    { __NR_getitimer, "getitimer", sys_getitimer },
    { __NR_setitimer, "setitimer", sys_setitimer },
    { 0, NULL, NULL },
};
