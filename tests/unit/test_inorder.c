/* hc_inorder_run: items finished in any order on several threads reach
 * commit in index order, never more than `cap` in flight, and a failed
 * commit stops the run without a deadlock and returns its error. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hc_check.h"
#include "hindcast/parallel.h"
#include "predictor/inorder.h"
#include "predictor/predictor.h"

typedef struct run {
    hc_inorder q;
    size_t *order;       /* committed indices, in commit order */
    size_t ncommitted;
    size_t fail_at;      /* commit of this index fails */
    atomic_size_t in_flight, max_in_flight;
    unsigned char *slot_busy; /* ring slot i % cap holds a started item */
    atomic_int slot_clash;
    hc_error errors[8];
    hc_error err;        /* hc_inorder_run's */
    double work_sink[8]; /* per worker */
} run;

static int commit(void *p, size_t index, hc_error *err)
{
    run *r = p;
    if (index == r->fail_at)
        return hc_error_set(err, HC_ERR_IO, "commit %zu failed", index);
    r->order[r->ncommitted++] = index;
    r->slot_busy[index % r->q.cap] = 0;
    atomic_fetch_sub(&r->in_flight, 1);
    return 0;
}

static int work(void *p, size_t index, int worker, hc_error *err)
{
    run *r = p;
    (void)err;
    if (r->slot_busy[index % r->q.cap])
        atomic_store(&r->slot_clash, 1);
    r->slot_busy[index % r->q.cap] = 1;
    size_t now = atomic_fetch_add(&r->in_flight, 1) + 1;
    size_t seen = atomic_load(&r->max_in_flight);
    while (now > seen && !atomic_compare_exchange_weak(&r->max_in_flight, &seen, now))
        ;
    /* uneven work, so items finish out of order */
    double x = 0;
    for (size_t k = 0; k < (index * 7919) % 3000; k++)
        x += (double)k;
    r->work_sink[worker] += x; /* kept, so the loop is not optimised away */
    return 0;
}

static void run_items(run *r, size_t n, size_t cap, int threads, size_t fail_at, int *rc)
{
    hc_error err;
    memset(r, 0, sizeof *r);
    r->order = calloc(n, sizeof *r->order);
    r->slot_busy = calloc(cap, 1);
    r->fail_at = fail_at;
    ck_assert_ptr_nonnull(r->order);
    ck_assert_int_eq(hc_inorder_init(&r->q, cap, commit, r, &err), 0);
    *rc = hc_inorder_run(&r->q, n, threads, work, r, r->errors, &r->err);
}

/* n items on `threads` threads in a window of cap: every one committed, in
 * index order, never more than cap in flight, no ring slot shared. */
static void check_in_order_run(size_t n, size_t cap, int threads)
{
    run r;
    int rc;
    run_items(&r, n, cap, threads, (size_t)-1, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(r.ncommitted, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(r.order[i], i);
    ck_assert_uint_le(atomic_load(&r.max_in_flight), cap);
    ck_assert_int_eq(atomic_load(&r.slot_clash), 0);
    hc_inorder_free(&r.q);
    free(r.order);
    free(r.slot_busy);
}

START_TEST(commits_in_order_within_the_window)
{
    check_in_order_run(20000, 7, 4);
}
END_TEST

/* Cheap items go in blocks of up to 16 (one lock round a block), never
 * wider than the window; few items stay one to a block. */
START_TEST(block_sizes)
{
    ck_assert_uint_eq(hc_inorder_block(25000, 2, 1024), 16);
    ck_assert_uint_eq(hc_inorder_block(25000, 2, 7), 7);
    ck_assert_uint_eq(hc_inorder_block(1000, 2, 1024), 7);
    ck_assert_uint_eq(hc_inorder_block(100, 2, 1024), 1);
    ck_assert_uint_eq(hc_inorder_block(0, 4, 1024), 1);
    ck_assert_uint_eq(hc_inorder_block(1 << 20, 64, 1024), 16);
}
END_TEST

/* Blocks of 16 in a window of 1024 (the export's): in order, in window. */
START_TEST(commits_in_order_in_blocks)
{
    ck_assert_uint_eq(hc_inorder_block(20003, 2, 1024), 16);
    check_in_order_run(20003, 1024, 2);
}
END_TEST

/* hc_parallel_for sizes its chunks by the threads it really runs (at most
 * 64): 128 threads asked for on 5120 items run 64 threads, so chunks of
 * 5120 / (64 * 8) = 10, as before hc_parallel_for_chunk was split out. A
 * chunk is claimed whole by one worker, so every aligned run of 10 items
 * has one worker; chunks of 5 (sized by 128) would put the two halves of
 * most runs on different workers, the items being slow enough (20 us)
 * that all 64 threads take part. */
static int record_worker(void *ctx, size_t index, int worker)
{
    int *who = ctx;
    who[index] = worker;
    nanosleep(&(struct timespec){0, 20000}, NULL);
    return 0;
}

START_TEST(parallel_for_chunks_by_threads_it_runs)
{
    enum { N = 5120, CHUNK = 10 };
    int *who = malloc(N * sizeof *who);
    ck_assert_ptr_nonnull(who);
    ck_assert_int_eq(hc_parallel_for(N, 128, record_worker, who), 0);
    for (size_t i = 0; i < N; i++)
        ck_assert_msg(who[i] == who[i - i % CHUNK], "item %zu: worker %d, its chunk's first %d",
                      i, who[i], who[i - i % CHUNK]);
    free(who);
}
END_TEST

START_TEST(failed_commit_stops_the_run)
{
    run r;
    int rc;
    run_items(&r, 5000, 16, 4, 1234, &rc);
    ck_assert_int_eq(rc, HC_ERR_IO);
    ck_assert_str_eq(r.err.message, "commit 1234 failed");
    ck_assert_uint_eq(r.ncommitted, 1234);
    int found = 0;
    for (int t = 0; t < 8; t++)
        if (r.errors[t].code == HC_ERR_IO) {
            ck_assert_str_eq(r.errors[t].message, "commit 1234 failed");
            found = 1;
        }
    ck_assert(found);
    hc_inorder_free(&r.q);
    free(r.order);
    free(r.slot_busy);
}
END_TEST


/* ---- a worker that stops before its item (training's cancellation) -----
 *
 * hc_train polls `cancelled` before each item. The first thread to call it
 * (hc_train's own check, then worker 0) lets its first item through, then
 * at its second item waits until the other worker (held back until worker
 * 0 has started) has gone as far ahead as the window lets it (its calls
 * stop) and only then says "stop". The other
 * worker is then waiting for worker 0's item, which will never be done: it
 * must be woken, or hc_train never returns (the test times out). */
static pthread_t first_caller;
static atomic_int have_first;
static atomic_size_t other_calls;
static atomic_int first_started;
static int first_calls;

static int cancel_when_other_waits(void)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&have_first, &expected, 1))
        first_caller = pthread_self();
    if (!pthread_equal(pthread_self(), first_caller)) {
        /* not before worker 0 holds its first item, or under load this
         * worker could run the whole dataset alone */
        while (!atomic_load(&first_started))
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        atomic_fetch_add(&other_calls, 1);
        return 0;
    }
    if (++first_calls < 3) {
        if (first_calls == 2)
            atomic_store(&first_started, 1);
        return 0;
    }
    size_t last = atomic_load(&other_calls);
    for (int stable = 0, k = 0; stable < 20 && k < 1000; k++) {
        nanosleep(&(struct timespec){0, 10000000}, NULL);
        size_t now = atomic_load(&other_calls);
        stable = now == last && now > 0 ? stable + 1 : 0;
        last = now;
    }
    return 1;
}

START_TEST(cancelled_training_wakes_waiting_workers)
{
    /* More items than training's window (2048) plus a chunk, so the other
     * worker cannot finish the run alone. */
    enum { NS = 2600, LEN = 8 };
    static char idbuf[NS][8];
    static const char *ids[NS];
    static size_t len[NS];
    static int64_t starts[NS];
    double *v = malloc((size_t)NS * LEN * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t s = 0; s < NS; s++) {
        snprintf(idbuf[s], sizeof idbuf[s], "i%04zu", s);
        ids[s] = idbuf[s];
        len[s] = LEN;
        starts[s] = 0;
        for (size_t i = 0; i < LEN; i++)
            v[s * LEN + i] = (double)(s + i);
    }
    hc_error err;
    hc_dataset *ds = NULL;
    ck_assert_int_eq(hc_dataset_from_arrays(&ds, HC_FREQ_D, 0, NULL, NS, ids, NULL, starts,
                                            len, v, NULL, &err),
                     0);
    hc_predictor_def def;
    memset(&def, 0, sizeof def);
    def.model = hc_model_by_name("Naive");
    ck_assert_ptr_nonnull(def.model);
    def.horizon = 1;
    def.nwindows = 1;
    def.freq = HC_FREQ_D;
    const char *dir = getenv("HINDCAST_TEST_TMP");
    if (!dir || !*dir)
        dir = "/tmp";
    hc_check_mkdir_p(dir, 0777);
    char path[1024];
    snprintf(path, sizeof path, "%s/inorder_%ld_model.bin", dir, (long)getpid());
    hc_train_summary summary;
    int rc = hc_train(&def, ds, 2, path, cancel_when_other_waits, &summary, &err);
    ck_assert_int_eq(rc, HC_ERR_STOPPED);
    ck_assert_int_eq(err.code, HC_ERR_STOPPED);
    ck_assert_int_ne(access(path, F_OK), 0); /* no model file */
    hc_dataset_free(ds);
    free(v);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("inorder");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, commits_in_order_within_the_window);
    tcase_add_test(tc, block_sizes);
    tcase_add_test(tc, commits_in_order_in_blocks);
    tcase_add_test(tc, failed_commit_stops_the_run);
    tcase_add_test(tc, parallel_for_chunks_by_threads_it_runs);
    suite_add_tcase(s, tc);
    TCase *users = tcase_create("users");
    tcase_set_timeout(users, 30);
    tcase_add_test(users, cancelled_training_wakes_waiting_workers);
    suite_add_tcase(s, users);
    return s;
}

HC_CHECK_MAIN(make_suite)
