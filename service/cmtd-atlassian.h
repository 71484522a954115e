/* cmtd-atlassian.h: the HTTP calls cmatokend makes to Atlassian cloud and to servers */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CMTD_TYPE_ATLASSIAN (cmtd_atlassian_get_type ())
G_DECLARE_FINAL_TYPE (CmtdAtlassian, cmtd_atlassian, CMTD, ATLASSIAN, GObject)

/*
 * One client for the whole daemon. @api_base_url NULL means
 * $CMATOKEN_API_BASE_URL or https://api.atlassian.com. At most @max_parallel
 * requests are on the wire at once; the rest wait in a FIFO queue.
 * Every request has a timeout ($CMATOKEN_HTTP_TIMEOUT seconds, default 30).
 *
 * Errors are in CMT_ERROR: CLOUD_AUTH_FAILED (401/403 from the cloud),
 * SERVER_AUTH_FAILED (401/403 from a server), TOKEN_REJECTED (500 from the
 * save endpoint), NOT_SUPPORTED (the server has no migration API, e.g. 404),
 * NETWORK (connect, TLS, timeout, 5xx, 429, an answer that cannot be read or
 * is too large), CANCELLED. Messages name the host and say what to do; they
 * never contain a secret. Secrets passed in are copied only for the life of
 * the request and wiped before they are freed.
 */
CmtdAtlassian *cmtd_atlassian_new                       (const char          *api_base_url,
                                                         guint                max_parallel);

/* GET {site_url}/rest/api/3/myself (falls back to /wiki/rest/api/user/current
 * for a Confluence-only site) with Basic email:api_token. */
void      cmtd_atlassian_check_cloud_account_async      (CmtdAtlassian       *self,
                                                         const char          *site_url,
                                                         const char          *email,
                                                         const char          *api_token,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean  cmtd_atlassian_check_cloud_account_finish     (CmtdAtlassian       *self,
                                                         GAsyncResult        *result,
                                                         char               **display_name,
                                                         GError             **error);

/* Jira: GET {base_url}/rest/api/2/myself; Confluence: GET {base_url}/rest/api/user/current.
 * @auth_kind "pat": Bearer @secret; "basic": @username:@secret. */
void      cmtd_atlassian_check_server_async             (CmtdAtlassian       *self,
                                                         const char          *product,
                                                         const char          *base_url,
                                                         const char          *auth_kind,
                                                         const char          *username,
                                                         const char          *secret,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean  cmtd_atlassian_check_server_finish            (CmtdAtlassian       *self,
                                                         GAsyncResult        *result,
                                                         char               **display_name,
                                                         GError             **error);

/* Step 1: POST {api}/migrations/public/v1/token {"cloudUrl": cloud_url}, Basic
 * email:api_token. Returns the 5-minute auth token: never store it; wipe it
 * (cmtd_atlassian_secret_free) once saved. */
void      cmtd_atlassian_create_auth_token_async        (CmtdAtlassian       *self,
                                                         const char          *cloud_url,
                                                         const char          *email,
                                                         const char          *api_token,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
char     *cmtd_atlassian_create_auth_token_finish       (CmtdAtlassian       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* Step 2: POST {base_url}/rest/migration/latest/cloud/save/token
 * {"cloudUrl": cloud_url, "token": auth_token} with the server credential. */
void      cmtd_atlassian_save_token_async               (CmtdAtlassian       *self,
                                                         const char          *base_url,
                                                         const char          *auth_kind,
                                                         const char          *username,
                                                         const char          *secret,
                                                         const char          *cloud_url,
                                                         const char          *auth_token,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean  cmtd_atlassian_save_token_finish              (CmtdAtlassian       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* Overwrites a secret string with zeros, then frees it. NULL is fine. */
void      cmtd_atlassian_secret_free                    (char                *secret);

/* Seconds until the host of @url (NULL: the Migration API) takes requests
 * again, after it answered 429 or 503 with Retry-After; 0 if it does now. */
gint64 cmtd_atlassian_get_retry_after (CmtdAtlassian *self,
                                       const char    *url);

/* After cmtd_atlassian_check_cloud_account_finish() succeeded: whether
 * the token was valid only through Atlassian's gateway (a scoped API token). */
gboolean cmtd_atlassian_check_was_scoped (GAsyncResult *result);

G_END_DECLS
