/* fuzz-url.c: libFuzzer target for cmt_url_normalize(), cmt_url_normalize_cloud_site()
 * and cmt_url_read_redirect()
 *
 * For every input: an accepted URL normalises to itself again (what is
 * stored is what is read back after a restart), its host never gains a
 * '/', '@', '?' or '#' (what is checked is where the secret goes), and the
 * cloud-site form is a stricter form of the same URL. Read as the Location
 * of a redirect, the input is shown without userinfo, query, fragment or
 * control characters, and an address to use instead is always https.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cmt-url.h"

/* As libsoup 3 parses a URL it is given (soup-uri-utils-private.h). */
#define SOUP_HTTP_URI_FLAGS (G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_PATH | \
                             G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_FRAGMENT | \
                             G_URI_FLAGS_SCHEME_NORMALIZE)

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHECK(cond, ...) \
  G_STMT_START { if (!(cond)) { g_printerr (__VA_ARGS__); g_printerr ("\n"); abort (); } } G_STMT_END

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* Explore the loopback http:// paths too. */
  g_setenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK", "1", TRUE);
  return 0;
}

/* The authority of a normalised URL: between "://" and the next '/'. */
static char *
authority_of (const char *url)
{
  const char *start = strstr (url, "://");
  const char *end;

  CHECK (start != NULL, "no scheme separator in %s", url);
  start += 3;
  end = strchr (start, '/');
  return end != NULL ? g_strndup (start, end - start) : g_strdup (start);
}

static void
check_accepted (const char *input,
                const char *normalized,
                char     *(*normalize) (const char *, GError **))
{
  g_autoptr(GError) error = NULL;
  g_autofree char *again = normalize (normalized, &error);
  g_autofree char *authority = authority_of (normalized);
  g_autoptr(GUri) uri = NULL;
  g_autofree char *display = NULL;

  CHECK (again != NULL, "\"%s\" normalised to \"%s\", which is refused: %s",
         input, normalized, error != NULL ? error->message : "?");
  CHECK (g_str_equal (again, normalized), "not idempotent: \"%s\" -> \"%s\" -> \"%s\"",
         input, normalized, again);
  CHECK (strpbrk (authority, "/@?#") == NULL, "\"%s\": the host \"%s\" has / @ ? or #",
         input, authority);
  CHECK (g_str_has_prefix (normalized, "https://") || g_str_has_prefix (normalized, "http://"),
         "\"%s\" -> \"%s\": not http(s)", input, normalized);

  /* The host libsoup reads from it (with its flags) is the one checked. */
  uri = g_uri_parse (normalized, SOUP_HTTP_URI_FLAGS, NULL);
  CHECK (uri != NULL, "\"%s\" -> \"%s\" does not parse", input, normalized);
  CHECK (g_uri_get_host (uri) != NULL && strpbrk (g_uri_get_host (uri), "/@?#") == NULL,
         "\"%s\" -> \"%s\": GUri reads the host \"%s\"", input, normalized, g_uri_get_host (uri));
  CHECK (g_uri_get_userinfo (uri) == NULL && g_uri_get_query (uri) == NULL &&
         g_uri_get_fragment (uri) == NULL,
         "\"%s\" -> \"%s\" carries userinfo, a query or a fragment", input, normalized);

  display = cmt_url_display (normalized);
  CHECK (display != NULL && *display != '\0', "\"%s\": nothing to display", normalized);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *site = NULL;

  if (size > CMT_URL_MAX_LENGTH + 16)
    return 0;
  input = g_strndup ((const char *) data, size);

  normalized = cmt_url_normalize (input, NULL);
  if (normalized != NULL)
    check_accepted (input, normalized, cmt_url_normalize);

  {
    g_autofree char *use = NULL;
    g_autofree char *shown = cmt_url_read_redirect ("http://jira.example.com/jira/rest/api/2/myself",
                                                    "http://jira.example.com/jira", input, &use);

    if (shown != NULL)
      {
        const char *rest = strstr (shown, "://");

        CHECK (g_str_has_prefix (shown, "https://") || g_str_has_prefix (shown, "http://"),
               "redirect \"%s\" shown as \"%s\": not http(s)", input, shown);
        CHECK (rest != NULL && strpbrk (rest + 3, "?#") == NULL,
               "redirect \"%s\" shown as \"%s\": a query or fragment", input, shown);
        for (const char *p = shown; *p != '\0'; p++)
          CHECK ((guchar) *p >= 0x20 && *p != 0x7f, "redirect \"%s\": a control character shown", input);
        CHECK (g_utf8_validate (shown, -1, NULL), "redirect \"%s\": not UTF-8", input);
      }
    CHECK (use == NULL || (shown != NULL && g_str_has_prefix (use, "https://")),
           "redirect \"%s\": suggests \"%s\"", input, use ? use : "");
  }

  site = cmt_url_normalize_cloud_site (input, NULL);
  if (site != NULL)
    {
      check_accepted (input, site, cmt_url_normalize_cloud_site);
      /* A cloud site is a URL like any other, in the same form. */
      CHECK (normalized != NULL && g_str_equal (normalized, site),
             "\"%s\": as a site \"%s\", as a URL \"%s\"", input, site, normalized ? normalized : "(refused)");
    }
  return 0;
}
