/* hc_inorder: items finished in any order on several threads reach commit
 * in index order, never more than `cap` in flight, and a failed commit
 * stops the run without a deadlock. */
#include <stdatomic.h>
#include <stdlib.h>

#include "hc_check.h"
#include "hindcast/parallel.h"
#include "predictor/inorder.h"

typedef struct run {
    hc_inorder q;
    size_t *order;       /* committed indices, in commit order */
    size_t ncommitted;
    size_t fail_at;      /* commit of this index fails */
    atomic_size_t in_flight, max_in_flight;
    unsigned char *slot_busy; /* ring slot i % cap holds a started item */
    atomic_int slot_clash;
    hc_error errors[8];
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

static int work(void *p, size_t index, int worker)
{
    run *r = p;
    if (hc_inorder_wait(&r->q, index) != 0)
        return 1;
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
    return hc_inorder_done(&r->q, index, &r->errors[worker]);
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
    hc_inorder_start(&r->q, n);
    *rc = hc_parallel_for(n, threads, work, r);
}

START_TEST(commits_in_order_within_the_window)
{
    run r;
    int rc;
    const size_t n = 20000, cap = 7;
    run_items(&r, n, cap, 4, (size_t)-1, &rc);
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
END_TEST

START_TEST(failed_commit_stops_the_run)
{
    run r;
    int rc;
    run_items(&r, 5000, 16, 4, 1234, &rc);
    ck_assert_int_ne(rc, 0);
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

static Suite *make_suite(void)
{
    Suite *s = suite_create("inorder");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, commits_in_order_within_the_window);
    tcase_add_test(tc, failed_commit_stops_the_run);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)
