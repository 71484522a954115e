/* cmt-url.c: URL validation and normalisation shared by the service and clients */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "cmt-error.h"
#include "cmt-url.h"

gboolean
cmt_url_host_is_loopback (const char *host)
{
  if (host == NULL)
    return FALSE;
  return g_ascii_strcasecmp (host, "localhost") == 0 ||
         g_str_equal (host, "::1") ||
         g_str_equal (host, "[::1]") ||
         g_str_equal (host, "127.0.0.1");
}

static gboolean
insecure_loopback_allowed (void)
{
  return g_strcmp0 (g_getenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK"), "1") == 0;
}

char *
cmt_url_normalize (const char  *url,
                   GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  const char *p;
  int port;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (url == NULL || *url == '\0')
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("The URL is empty. Enter the full address, for example https://jira.example.com."));
      return NULL;
    }
  if (strlen (url) > CMT_URL_MAX_LENGTH || !g_utf8_validate (url, -1, NULL))
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("The URL is too long or not valid text. Enter the address as the browser shows it."));
      return NULL;
    }
  for (p = url; *p; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      {
        g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                     _("The URL contains spaces or control characters. Enter the address as the browser shows it."));
        return NULL;
      }

  /* GUri decodes percent-escapes in a host: "evil.example%2f.acme.atlassian.net"
   * would become a host with a slash in it. A host is never escaped. */
  {
    const char *authority = strstr (url, "://");
    if (authority != NULL)
      {
        size_t len;
        authority += 3;
        len = strcspn (authority, "/?#");
        if (memchr (authority, '%', len) != NULL)
          {
            g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                         _("The host name in “%s” contains a percent sign. Enter the address as the browser shows it, without escapes."), url);
            return NULL;
          }
      }
  }

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, &parse_error);
  if (uri == NULL)
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a URL. Enter the full address, for example https://jira.example.com."), url);
      return NULL;
    }

  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (!g_str_equal (scheme, "https") && !g_str_equal (scheme, "http"))
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a web address. Use an https:// URL."), url);
      return NULL;
    }
  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The URL contains a user name or password. Remove it: credentials are entered separately and kept in the keyring."));
      return NULL;
    }
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("The URL “%s” has a query (?) or a fragment (#). Enter only the base address."), url);
      return NULL;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("The URL “%s” has no host name."), url);
      return NULL;
    }

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  /* Only what a DNS name or an IP literal holds, so that the stored form
   * parses again to the same host. */
  for (p = host; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_' ||
          (*p == ':' && strchr (host, '.') == NULL) || (guchar) *p >= 0x80))
      {
        g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                     _("The host name in “%s” contains characters a host name cannot have. Enter the address as the browser shows it."), url);
        return NULL;
      }
  if (g_str_equal (scheme, "http") &&
      !(insecure_loopback_allowed () && cmt_url_host_is_loopback (host)))
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not encrypted. Use an https:// URL: credentials must not travel in the clear."), url);
      return NULL;
    }

  port = g_uri_get_port (uri);
  if ((port == 443 && g_str_equal (scheme, "https")) ||
      (port == 80 && g_str_equal (scheme, "http")))
    port = -1;

  path = g_strdup (g_uri_get_path (uri));
  {
    gsize len = strlen (path);
    while (len > 0 && path[len - 1] == '/')
      path[--len] = '\0';
  }

  {
    /* IPv6 literals keep their brackets in a URL. */
    gboolean v6 = strchr (host, ':') != NULL;
    g_autofree char *port_str = port > 0 ? g_strdup_printf (":%d", port) : g_strdup ("");

    return g_strdup_printf ("%s://%s%s%s%s%s", scheme,
                            v6 ? "[" : "", host, v6 ? "]" : "",
                            port_str, path);
  }
}

char *
cmt_url_display (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *path;

  if (url == NULL)
    return g_strdup ("");
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup (url);
  path = g_uri_get_path (uri);
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d%s", g_uri_get_host (uri), g_uri_get_port (uri), path);
  return g_strdup_printf ("%s%s", g_uri_get_host (uri), path);
}

char *
cmt_url_join (const char *base_url,
              const char *path)
{
  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);

  if (g_str_has_suffix (base_url, "/"))
    return g_strconcat (base_url, path + 1, NULL);
  return g_strconcat (base_url, path, NULL);
}

/* Atlassian's cloud domains: the current one, the older one, and the
 * staging one that the Migration API's own examples use. */
static const char *const cloud_domains[] = { ".atlassian.net", ".jira.com", ".jira-dev.com" };

char *
cmt_url_normalize_cloud_site (const char  *url,
                              GError     **error)
{
  g_autofree char *normalized = cmt_url_normalize (url, error);
  g_autoptr(GUri) uri = NULL;
  const char *host;

  if (normalized == NULL)
    return NULL;
  uri = g_uri_parse (normalized, G_URI_FLAGS_ENCODED, NULL);
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (host != NULL && cmt_url_host_is_loopback (host) && insecure_loopback_allowed ())
    return g_steal_pointer (&normalized);

  if (host != NULL && g_str_equal (g_uri_get_scheme (uri), "https") &&
      g_uri_get_port (uri) < 0 && *g_uri_get_path (uri) == '\0')
    for (guint i = 0; i < G_N_ELEMENTS (cloud_domains); i++)
      {
        size_t hl = strlen (host), dl = strlen (cloud_domains[i]);
        if (hl > dl && g_str_has_suffix (host, cloud_domains[i]) &&
            memchr (host, '.', hl - dl) == NULL)
          return g_steal_pointer (&normalized);
      }

  g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
               _("“%s” is not an Atlassian cloud site. A cloud site URL has the form https://<your-site>.atlassian.net (or an older https://<your-site>.jira.com); check the spelling."),
               url);
  return NULL;
}

/* @text as valid UTF-8 without control characters, to show. */
static char *
printable (const char *text)
{
  char *out = g_utf8_make_valid (text, -1);

  for (char *p = out; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';
  return out;
}

char *
cmt_url_read_redirect (const char  *request_url,
                       const char  *base_url,
                       const char  *location,
                       char       **use)
{
  g_autoptr(GUri) asked = request_url != NULL ? g_uri_parse (request_url, G_URI_FLAGS_NONE, NULL) : NULL;
  g_autoptr(GUri) ours = base_url != NULL ? g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL) : NULL;
  g_autoptr(GUri) target = NULL;
  g_autoptr(GUri) clean = NULL;
  g_autofree char *text = NULL;
  const char *new_host, *old_host, *scheme;
  gboolean upgraded, renamed;

  g_return_val_if_fail (use != NULL, NULL);
  *use = NULL;
  if (asked == NULL || location == NULL || *location == '\0')
    return NULL;
  target = g_uri_parse_relative (asked, location, G_URI_FLAGS_NONE, NULL);
  if (target == NULL || g_uri_get_host (target) == NULL || *g_uri_get_host (target) == '\0')
    return NULL;
  scheme = g_uri_get_scheme (target);
  if (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0)
    return NULL;

  clean = g_uri_build (G_URI_FLAGS_NONE, scheme, NULL, g_uri_get_host (target),
                       g_uri_get_port (target), g_uri_get_path (target), NULL, NULL);
  text = g_uri_to_string (clean);

  new_host = g_uri_get_host (target);
  old_host = g_uri_get_host (asked);
  upgraded = g_ascii_strcasecmp (new_host, old_host) == 0 && g_str_equal (scheme, "https") &&
             g_strcmp0 (g_uri_get_scheme (asked), "https") != 0;
  renamed = g_str_has_suffix (new_host, ".atlassian.net") && g_str_has_suffix (old_host, ".atlassian.net") &&
            g_ascii_strcasecmp (new_host, old_host) != 0 && g_str_equal (scheme, "https");
  if (upgraded || renamed)
    {
      g_autoptr(GUri) base = g_uri_build (G_URI_FLAGS_NONE, "https", NULL, new_host,
                                          renamed ? -1 : g_uri_get_port (target),
                                          renamed || ours == NULL ? "" : g_uri_get_path (ours),
                                          NULL, NULL);
      g_autofree char *suggested = g_uri_to_string (base);

      *use = printable (suggested);
    }
  return printable (text);
}
