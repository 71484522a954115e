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
