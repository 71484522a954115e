/* cmt-url.h: the one way cmatoken reads a site or server URL */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest URL accepted anywhere (D-Bus arguments, key file, command line). */
#define CMT_URL_MAX_LENGTH 2048

/*
 * Normalises @url: lower-case scheme and host, default port dropped, no
 * trailing slash; a path is kept. Refuses (CMT_ERROR_INVALID_ARGUMENT) a URL
 * that is not http(s), carries userinfo, a query or a fragment, has no host,
 * or is plain http unless CMATOKEN_ALLOW_INSECURE_LOOPBACK=1 is set and the
 * host is loopback (127.0.0.1, ::1, localhost).
 */
char      *cmt_url_normalize          (const char  *url,
                                       GError     **error);

/*
 * Like cmt_url_normalize(), and the URL must be an Atlassian cloud site:
 * https://NAME.atlassian.net (or NAME.jira.com, NAME.jira-dev.com), no
 * port, no path; a loopback URL only with CMATOKEN_ALLOW_INSECURE_LOOPBACK=1.
 * Anything else (a typo such as acme.atlasian.net) is INVALID_ARGUMENT, so
 * that an API token never goes to a host that is not Atlassian's.
 */
char      *cmt_url_normalize_cloud_site (const char *url,
                                       GError     **error);

/* The host (and path, when there is one) to show people: "jira.example.com",
 * "example.com/jira". @url should be normalised; falls back to @url. */
char      *cmt_url_display            (const char  *url);

/* Joins a normalised base URL and an absolute path ("/rest/api/2/myself"). */
char      *cmt_url_join               (const char  *base_url,
                                       const char  *path);

gboolean   cmt_url_host_is_loopback   (const char  *host);

/*
 * Reads a redirect that answered @request_url (a request under @base_url):
 * returns where @location points, to show (resolved against the request, an
 * http(s) URL without userinfo, query or fragment, control characters
 * replaced), or NULL if it points nowhere usable. *@use gets the base URL to
 * use instead when that is plainly the same place: the same host over https,
 * or a renamed *.atlassian.net site; else NULL.
 */
char      *cmt_url_read_redirect      (const char  *request_url,
                                       const char  *base_url,
                                       const char  *location,
                                       char       **use);

G_END_DECLS
