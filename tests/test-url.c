/* test-url.c: URL normalisation rules */
#include <string.h>

#include "cmt-error.h"
#include "cmt-url.h"

/* Every URL of @bad is refused with INVALID_ARGUMENT. */
static void
assert_all_refused (const char *const *bad,
                    gsize              n_bad)
{
  for (gsize i = 0; i < n_bad; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = cmt_url_normalize (bad[i], &error);
      g_assert_null (out);
      g_assert_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (error->message);
    }
}

static void
test_normalize_ok (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "https://jira.example.com", "https://jira.example.com" },
    { "HTTPS://Jira.Example.COM/", "https://jira.example.com" },
    { "https://jira.example.com:443/", "https://jira.example.com" },
    { "https://jira.example.com:8443/", "https://jira.example.com:8443" },
    { "https://example.com/jira/", "https://example.com/jira" },
    { "https://example.com/Jira//", "https://example.com/Jira" },
    { "https://acme.atlassian.net", "https://acme.atlassian.net" },
  };

  g_unsetenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = cmt_url_normalize (cases[i].in, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_normalize_refused (void)
{
  static const char * const bad[] = {
    "", "jira.example.com", "ftp://jira.example.com", "https://user:pw@jira.example.com",
    "https://jira.example.com/?a=b", "https://jira.example.com/#x", "https://",
    "http://jira.example.com", "http://127.0.0.1:8080", "https://jira example.com",
    "https://jira.example.com/\n", "javascript:alert(1)", "file:///etc/passwd",
  };

  g_unsetenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK");
  assert_all_refused (bad, G_N_ELEMENTS (bad));
}

static void
test_normalize_too_long (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strnfill (CMT_URL_MAX_LENGTH, 'a');
  g_autofree char *url = g_strconcat ("https://example.com/", path, NULL);
  g_autofree char *out = cmt_url_normalize (url, &error);

  g_assert_null (out);
  g_assert_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT);
}

static void
test_insecure_loopback (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

  g_setenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK", "1", TRUE);
  a = cmt_url_normalize ("http://127.0.0.1:8080/jira/", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "http://127.0.0.1:8080/jira");
  b = cmt_url_normalize ("http://LOCALHOST:80", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b, ==, "http://localhost");
  c = cmt_url_normalize ("http://[::1]:9/x", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c, ==, "http://[::1]:9/x");
  d = cmt_url_normalize ("http://10.0.0.1:8080", &error);
  g_assert_null (d);
  g_assert_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT);
  g_unsetenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK");
}

static void
test_display_join (void)
{
  g_autofree char *a = cmt_url_display ("https://jira.example.com");
  g_autofree char *b = cmt_url_display ("https://example.com/jira");
  g_autofree char *c = cmt_url_join ("https://example.com/jira", "/rest/api/2/myself");

  g_assert_cmpstr (a, ==, "jira.example.com");
  g_assert_cmpstr (b, ==, "example.com/jira");
  g_assert_cmpstr (c, ==, "https://example.com/jira/rest/api/2/myself");
}

static void
test_host_escapes_refused (void)
{
  static const char * const bad[] = {
    "https://evil.example%2f.acme.atlassian.net",
    "https://acme%2eatlassian.net",
    "https://[fe80::1%25eth0]/",
    "https://jira%3aexample.com",
    "https://jira.exam%40ple.com",
  };

  g_unsetenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK");
  assert_all_refused (bad, G_N_ELEMENTS (bad));
}

/* Whatever is accepted normalises to itself: it loads again after a restart. */
static void
test_normalize_idempotent (void)
{
  static const char * const urls[] = {
    "https://Jira.Example.com:8443/a/b/", "https://[::1]:8443/x", "https://[2001:db8::1]/",
    "https://acme.atlassian.net/", "https://xn--n8j.example.com", "https://a_b.example.com",
  };

  g_unsetenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK");
  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *once = cmt_url_normalize (urls[i], &error);
      g_autofree char *twice = NULL;

      g_assert_no_error (error);
      twice = cmt_url_normalize (once, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (once, ==, twice);
    }
}

static void
test_cloud_site (void)
{
  static const struct { const char *in, *out; } ok[] = {
    { "https://acme.atlassian.net", "https://acme.atlassian.net" },
    { "https://ACME.atlassian.net/", "https://acme.atlassian.net" },
    { "https://acme.jira.com", "https://acme.jira.com" },
    { "https://acme.jira-dev.com", "https://acme.jira-dev.com" },
  };
  static const char * const bad[] = {
    "https://acme.atlasian.net", "https://atlassian.net", "https://.atlassian.net",
    "https://evil.acme.atlassian.net", "https://acme.atlassian.net.evil.com",
    "https://acme.atlassian.net:8443", "https://acme.atlassian.net/wiki",
    "https://jira.example.com", "http://acme.atlassian.net", "https://acmeatlassian.net",
    "http://127.0.0.1:8080/site/acme",
  };

  g_unsetenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK");
  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = cmt_url_normalize_cloud_site (ok[i].in, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, ok[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = cmt_url_normalize_cloud_site (bad[i], &error);
      g_autofree char *plain = cmt_url_normalize (bad[i], NULL);
      g_assert_null (out);
      g_assert_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT);
      /* A well-formed URL that is not a cloud site: the message names the form. */
      if (plain != NULL)
        g_assert_nonnull (strstr (error->message, "https://<your-site>.atlassian.net"));
    }

  /* Tests and demos: a loopback site only with the switch. */
  g_setenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK", "1", TRUE);
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *out = cmt_url_normalize_cloud_site ("http://127.0.0.1:8080/site/acme", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (out, ==, "http://127.0.0.1:8080/site/acme");
  }
  g_unsetenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK");
}

static void
test_redirect (void)
{
  static const struct { const char *asked, *base, *location, *shown, *use; } cases[] = {
    /* The same host over https: use the https address of the base. */
    { "http://jira.example.com/jira/rest/api/2/myself", "http://jira.example.com/jira",
      "https://jira.example.com/jira/rest/api/2/myself", "https://jira.example.com/jira/rest/api/2/myself",
      "https://jira.example.com/jira" },
    /* A renamed cloud site: the new site, no path. */
    { "https://acme.atlassian.net/rest/api/3/myself", "https://acme.atlassian.net",
      "https://acme-corp.atlassian.net/rest/api/3/myself", "https://acme-corp.atlassian.net/rest/api/3/myself",
      "https://acme-corp.atlassian.net" },
    /* Elsewhere: named, without query, fragment or userinfo; nothing to use. */
    { "https://jira.example.com/rest/api/2/myself", "https://jira.example.com",
      "https://user:pw@sso.example.com/login?next=%2F&token=abc#x", "https://sso.example.com/login", NULL },
    /* Relative: resolved against the request. */
    { "https://jira.example.com/rest/api/2/myself", "https://jira.example.com",
      "/login.jsp?os_destination=%2F", "https://jira.example.com/login.jsp", NULL },
    /* Not to an atlassian.net site from one: not a rename. */
    { "https://acme.atlassian.net/rest/api/3/myself", "https://acme.atlassian.net",
      "https://evil.example/x", "https://evil.example/x", NULL },
    /* Downgrade to http is never suggested. */
    { "https://acme.atlassian.net/x", "https://acme.atlassian.net", "http://other.atlassian.net/x",
      "http://other.atlassian.net/x", NULL },
    /* Nowhere usable. */
    { "https://jira.example.com/x", "https://jira.example.com", "ftp://files.example.com/", NULL, NULL },
    { "https://jira.example.com/x", "https://jira.example.com", "", NULL, NULL },
    { "https://jira.example.com/x", "https://jira.example.com", NULL, NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *use = NULL;
      g_autofree char *shown = cmt_url_read_redirect (cases[i].asked, cases[i].base, cases[i].location, &use);

      g_assert_cmpstr (shown, ==, cases[i].shown);
      g_assert_cmpstr (use, ==, cases[i].use);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/url/normalize/ok", test_normalize_ok);
  g_test_add_func ("/url/normalize/refused", test_normalize_refused);
  g_test_add_func ("/url/normalize/too-long", test_normalize_too_long);
  g_test_add_func ("/url/normalize/insecure-loopback", test_insecure_loopback);
  g_test_add_func ("/url/display-join", test_display_join);
  g_test_add_func ("/url/normalize/host-escapes", test_host_escapes_refused);
  g_test_add_func ("/url/normalize/idempotent", test_normalize_idempotent);
  g_test_add_func ("/url/cloud-site", test_cloud_site);
  g_test_add_func ("/url/redirect", test_redirect);
  return g_test_run ();
}
