/* SPDX-License-Identifier: MIT */
/* The journal: a stored cell is resumed only for the same parameters, images and lab. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "plan/journal.h"

static char dir[] = "/tmp/kdumplab-journal.XXXXXX";

static struct kl_cell_spec spec(void)
{
	return (struct kl_cell_spec){ .id = (char *)"a",
				      .kernel = (char *)"debian:bookworm",
				      .memory = 1ULL << 30,
				      .vcpus = 2,
				      .crashkernel = 192ULL << 20,
				      .scenario = (char *)"sysrq",
				      .expect = (char *)"pass" };
}

static void store(const struct kl_cell_spec *s, const char *images_id, const char *version)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "kernel", json_object_new_string(s->kernel));
	json_object_object_add(o, "scenario", json_object_new_string(s->scenario));
	json_object_object_add(o, "expect", json_object_new_string(s->expect));
	json_object_object_add(o, "memory", json_object_new_uint64(s->memory));
	json_object_object_add(o, "crashkernel", json_object_new_uint64(s->crashkernel));
	json_object_object_add(o, "vcpus", json_object_new_int((int)s->vcpus));
	json_object_object_add(o, "images_id", json_object_new_string(images_id));
	json_object_object_add(o, "lab_version", json_object_new_string(version));
	char cells[64];
	snprintf(cells, sizeof(cells), "%s/cells/%s", dir, s->id);
	ck_assert_int_eq(kl_mkdir_p(cells, 0755, NULL), 0);
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_journal_store(dir, s->id, o, &e), 0);
	json_object_put(o);
}

static bool resumes(const struct kl_cell_spec *s, const char *images_id, const char *version)
{
	struct json_object *o = kl_journal_load(dir, s, images_id, version);
	json_object_put(o);
	return o != NULL;
}

START_TEST(journal_resume_matches_images_and_lab)
{
	struct kl_cell_spec s = spec();
	store(&s, "img1", "0.1.0");
	ck_assert(resumes(&s, "img1", "0.1.0"));
	/* debian:bookworm resolved to another kernel build, or a new loader/saver: run again. */
	ck_assert(!resumes(&s, "img2", "0.1.0"));
	/* another lab judged it: run again. */
	ck_assert(!resumes(&s, "img1", "0.2.0"));
	struct kl_cell_spec t = s;
	t.memory = 2ULL << 30;
	ck_assert(!resumes(&t, "img1", "0.1.0"));
	t = s;
	t.capture_append = (char *)"nr_cpus=2";
	ck_assert(!resumes(&t, "img1", "0.1.0"));
}
END_TEST

START_TEST(journal_store_error_is_reported)
{
	struct kl_cell_spec s = spec();
	s.id = (char *)"missing-dir"; /* cells/missing-dir does not exist */
	struct json_object *o = json_object_new_object();
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_lt(kl_journal_store(dir, s.id, o, &e), 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e->msg, "missing-dir"));
	json_object_put(o);
}
END_TEST

START_TEST(journal_garbage_is_not_resumed)
{
	struct kl_cell_spec s = spec();
	s.id = (char *)"g";
	char path[128];
	snprintf(path, sizeof(path), "%s/cells/g", dir);
	ck_assert_int_eq(kl_mkdir_p(path, 0755, NULL), 0);
	strcat(path, "/cell.json");
	static const char *const bad[] = { "", "[]", "{\"id\": 7}", "\xff\xfe", "{\"id\": \"g\"" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(kl_write_file_atomic(path, bad[i], strlen(bad[i]), 0644, NULL), 0);
		ck_assert(!resumes(&s, "img1", "0.1.0"));
	}
}
END_TEST

int main(void)
{
	if (!mkdtemp(dir))
		return EXIT_FAILURE;
	Suite *s = suite_create("journal");
	TCase *t = tcase_create("journal");
	tcase_add_test(t, journal_resume_matches_images_and_lab);
	tcase_add_test(t, journal_store_error_is_reported);
	tcase_add_test(t, journal_garbage_is_not_resumed);
	suite_add_tcase(s, t);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	kl_rm_rf(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
