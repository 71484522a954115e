/* cmtd-atlassian.c: the HTTP calls cmatokend makes to Atlassian cloud and to servers */
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "cmt-error.h"
#include "cmt-url.h"
#include "cmtd-atlassian.h"

#define DEFAULT_API_BASE_URL "https://api.atlassian.com"
#define DEFAULT_TIMEOUT_SECONDS 30
/* Every answer we expect is a few hundred bytes; anything near this is not
 * the API we meant to talk to. */
#define MAX_BODY_SIZE (1024 * 1024)
#define READ_CHUNK_SIZE 16384

struct _CmtdAtlassian
{
  GObject      parent_instance;

  SoupSession *session;
  char        *api_base_url;
  guint        timeout;
  guint        max_parallel;
  guint        max_per_host;
  guint        in_flight;
  GHashTable  *per_host;        /* host → requests on the wire */
  GHashTable  *not_before;      /* host → gint64 *: monotonic µs it asked us to wait until (Retry-After) */
  guint        pump_timer;      /* pumps the queue when a wait is over */
  GQueue       waiting;      /* (element-type GTask) requests not yet on the wire, FIFO */
};

G_DEFINE_TYPE (CmtdAtlassian, cmtd_atlassian, G_TYPE_OBJECT)

typedef enum {
  ENDPOINT_CLOUD_MYSELF,
  ENDPOINT_CLOUD_WIKI_USER,
  ENDPOINT_SERVER_MYSELF,
  ENDPOINT_TOKEN,
  ENDPOINT_SAVE,
} Endpoint;

/* ---- secrets in memory ---------------------------------------------------- */

static void
wipe_string (char *s)
{
  if (s != NULL)
    explicit_bzero (s, strlen (s));
}

void
cmtd_atlassian_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  wipe_string (secret);
  g_free (secret);
}

static void
wipe_and_free (gpointer data)
{
  cmtd_atlassian_secret_free (data);
}

/* The value of an Authorization header. A temporary "user:secret" and its
 * base64 form are wiped before they are freed. */
static char *
make_authorization (const char *auth_kind,
                    const char *username,
                    const char *secret)
{
  char *plain;
  char *encoded;
  char *header;

  if (g_strcmp0 (auth_kind, "pat") == 0)
    return g_strconcat ("Bearer ", secret, NULL);

  plain = g_strconcat (username, ":", secret, NULL);
  encoded = g_base64_encode ((const guchar *) plain, strlen (plain));
  header = g_strconcat ("Basic ", encoded, NULL);
  cmtd_atlassian_secret_free (plain);
  cmtd_atlassian_secret_free (encoded);
  return header;
}

/* Writes @s as a JSON string into @out, which the caller sized so that it
 * never grows: a reallocation would leave a copy of the secret behind. */
static void
append_json_string (GString    *out,
                    const char *s)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *p;

  g_string_append_c (out, '"');
  for (p = (const guchar *) s; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      else if (*p < 0x20)
        {
          g_string_append (out, "\\u00");
          g_string_append_c (out, hex[*p >> 4]);
          g_string_append_c (out, hex[*p & 0xf]);
        }
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* {"cloudUrl": …[, "token": …]} in a buffer that is wiped when released. */
static GBytes *
make_json_body (const char *cloud_url,
                const char *token)
{
  gsize size = 64 + 6 * strlen (cloud_url) + (token != NULL ? 6 * strlen (token) : 0);
  GString *out = g_string_sized_new (size);
  gsize len;
  char *data;

  g_string_append (out, "{\"cloudUrl\":");
  append_json_string (out, cloud_url);
  if (token != NULL)
    {
      g_string_append (out, ",\"token\":");
      append_json_string (out, token);
    }
  g_string_append_c (out, '}');
  g_assert (out->len < size);

  len = out->len;
  data = g_string_free (out, FALSE);
  return g_bytes_new_with_free_func (data, len, wipe_and_free, data);
}

/* ---- errors ----------------------------------------------------------------- */

static GError *
transport_error (const char   *host,
                 guint         timeout,
                 const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new (CMT_ERROR, CMT_ERROR_CANCELLED,
                        /* Translators: %s is a host name, like jira.example.com */
                        _("The request to %s was cancelled."), host);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                        g_dngettext (NULL,
                                     "%1$s did not answer within %2$u second. Check your network connection and that the server is up, then try again.",
                                     "%1$s did not answer within %2$u seconds. Check your network connection and that the server is up, then try again.",
                                     timeout),
                        host, timeout);

  if (error->domain == G_RESOLVER_ERROR)
    return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                        _("The name of %s could not be found. Check the address and your network connection, then try again."),
                        host);

  if (error->domain == G_TLS_ERROR)
    return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                        /* Translators: %2$s is the reason, from the TLS library */
                        _("The secure connection to %1$s failed: %2$s. If the server uses a certificate of your organization, install that certificate authority on this computer, then try again."),
                        host, error->message);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                        _("%s refused the connection. Check the address and port, and that the server is running."),
                        host);

  return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                      /* Translators: %2$s is the reason, from the network library */
                      _("The connection to %1$s failed: %2$s. Check your network connection, then try again."),
                      host, error->message);
}

static GError *
too_large_error (const char *host)
{
  return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                      _("%1$s sent an answer that is too large (more than %2$u KiB). Check that the address points to the site or server itself, then try again."),
                      host, (guint) (MAX_BODY_SIZE / 1024));
}

static GError *
unreadable_error (const char *host)
{
  return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                      _("%s sent an answer cmatoken cannot read. Check that the address points to the site or server itself, then try again."),
                      host);
}

/* Retry-After: delay seconds or an HTTP date; -1 when absent or unreadable.
 * At most a day. */
static gint64
retry_after_seconds (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  guint64 seconds;
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (value == NULL)
    return -1;
  while (g_ascii_isspace (*value))
    value++;
  if (g_ascii_isdigit (*value))
    {
      g_autofree char *digits = g_strchomp (g_strdup (value));

      if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, &seconds, NULL))
        return -1;
      return (gint64) MIN (seconds, 86400);
    }
  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return -1;
  now = g_date_time_new_now_utc ();
  return CLAMP (g_date_time_difference (when, now) / G_USEC_PER_SEC, 0, 86400);
}

/* "14:05" in local time, @seconds from now. */
static char *
local_time_in (gint64 seconds)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_seconds (now, (gdouble) seconds);

  return g_date_time_format (then, seconds >= 86400 - 60 ? "%x %H:%M" : "%H:%M");
}

static GError *
rate_limited_error (const char *host,
                    guint       status,
                    gint64      seconds)
{
  g_autofree char *when = local_time_in (seconds);

  return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                      /* Translators: %2$u is 429 or 503, %3$s a time of day such as 14:05 */
                      _("%1$s asks cmatoken to wait (HTTP %2$u): it takes no more requests until %3$s. Try again then; automatic renewal waits until then by itself."),
                      host, status, when);
}

/* What Atlassian itself said, for our message: the "message" of
 * {"code": …, "message": …} or the first of {"errorMessages": […]},
 * without control characters, at most 200 characters. NULL if none. */
static char *
atlassian_says (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *member;
  const char *text = NULL;
  GString *out;
  glong n = 0;

  if (data == NULL || len == 0 || len > 64 * 1024 ||
      !json_parser_load_from_data (parser, data, len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  member = json_object_get_member (object, "message");
  if (member != NULL && json_node_get_value_type (member) == G_TYPE_STRING)
    text = json_node_get_string (member);
  member = json_object_get_member (object, "errorMessages");
  if (text == NULL && member != NULL && JSON_NODE_HOLDS_ARRAY (member) &&
      json_array_get_length (json_node_get_array (member)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (member), 0);
      if (json_node_get_value_type (first) == G_TYPE_STRING)
        text = json_node_get_string (first);
    }
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return NULL;
  out = g_string_new (NULL);
  for (const char *p = text; *p != '\0' && n < 200; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }
  if (*g_strstrip (out->str) == '\0')
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  if (n >= 200)
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

/* Takes @error; adds what Atlassian said, if it said anything. */
static GError *
with_atlassian_message (GError *error,
                        GBytes *body)
{
  g_autofree char *said = atlassian_says (body);
  char *message;

  if (said == NULL)
    return error;
  /* Translators: %1$s is our message, %2$s what Atlassian answered, in its words. */
  message = g_strdup_printf (_("%1$s Atlassian said: “%2$s”"), error->message, said);
  g_free (error->message);
  error->message = message;
  return error;
}

/* A redirect is never followed (it could carry a credential away): say
 * where it points and, when that is plainly the same place, to use it. */
static GError *
redirect_error (const char  *host,
                const char  *base_url,
                SoupMessage *msg)
{
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                       "Location");
  g_autofree char *asked = g_uri_to_string (soup_message_get_uri (msg));
  g_autofree char *use = NULL;
  g_autofree char *shown = cmt_url_read_redirect (asked, base_url, location, &use);
  guint status = soup_message_get_status (msg);

  if (shown != NULL && use != NULL)
    return g_error_new (CMT_ERROR, CMT_ERROR_NOT_SUPPORTED,
                        /* Translators: %2$u is an HTTP status, %3$s and %4$s addresses */
                        _("%1$s redirects (HTTP %2$u) to %3$s. cmatoken never follows a redirect, so that no credential goes elsewhere: use %4$s as the address instead."),
                        host, status, shown, use);
  if (shown != NULL)
    return g_error_new (CMT_ERROR, CMT_ERROR_NOT_SUPPORTED,
                        _("%1$s redirects (HTTP %2$u) to %3$s. cmatoken never follows a redirect, so that no credential goes elsewhere. Check that the address is the base address of the site or server, with no login page in between."),
                        host, status, shown);
  return g_error_new (CMT_ERROR, CMT_ERROR_NOT_SUPPORTED,
                      _("%1$s answered with a redirect (HTTP %2$u) instead of an answer. Check that the address is the base address of the site or server, with no login page in between."),
                      host, status);
}

/* Errors every endpoint shares: rate limits, server errors, redirects and
 * anything else that is not a success. */
static GError *
generic_status_error (const char  *host,
                      const char  *base_url,
                      SoupMessage *msg,
                      GBytes      *body)
{
  guint status = soup_message_get_status (msg);
  const char *reason = soup_status_get_phrase (status);
  gint64 retry_after = retry_after_seconds (msg);

  if (reason == NULL)
    reason = "";

  if ((status == 429 || status == SOUP_STATUS_SERVICE_UNAVAILABLE) && retry_after >= 0)
    return rate_limited_error (host, status, retry_after);
  if (status == 429)
    return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                        _("%s is refusing requests for now because too many were sent (HTTP 429). Wait a few minutes, then try again."),
                        host);
  if (status >= 500)
    return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                        /* Translators: %2$u is an HTTP status code, %3$s its English name */
                        _("%1$s answered with a server error (HTTP %2$u %3$s). Try again later; if the error stays, check that the server is healthy."),
                        host, status, reason);
  if (status >= 300 && status < 400)
    return redirect_error (host, base_url, msg);
  return with_atlassian_message (g_error_new (CMT_ERROR, CMT_ERROR_FAILED,
                                              /* Translators: %2$u is an HTTP status code, %3$s its English name */
                                              _("%1$s answered with an unexpected status (HTTP %2$u %3$s). Check the address, then try again."),
                                              host, status, reason),
                                 body);
}

/* ---- the request queue -------------------------------------------------------- */

typedef struct
{
  SoupMessage  *msg;
  char         *host;           /* for messages: "jira.example.com" */
  GInputStream *stream;
  GByteArray   *body;
  GSource      *cancel_source;  /* while waiting in the queue */
  GList        *link;           /* in self->waiting, while waiting */
  gint64        started;
  gboolean      on_the_wire;
  /* On the wire: the whole exchange has one deadline (a server dripping a
   * byte a second never trips an idle timeout). */
  GCancellable *wire;           /* cancelled by the caller's or the deadline */
  GCancellable *outer;          /* the caller's, chained to wire */
  gulong        outer_id;
  guint         deadline_id;
  gboolean      deadline_hit;
} SendData;

static void
send_data_leave_wire (SendData *data)
{
  g_clear_handle_id (&data->deadline_id, g_source_remove);
  if (data->outer != NULL && data->outer_id != 0)
    g_cancellable_disconnect (data->outer, data->outer_id);
  data->outer_id = 0;
  g_clear_object (&data->outer);
}

static void
send_data_free (SendData *data)
{
  if (data->msg != NULL)
    {
      /* libsoup keeps its own copy of the header; wipe it in place. */
      const char *auth = soup_message_headers_get_one (soup_message_get_request_headers (data->msg),
                                                       "Authorization");
      if (auth != NULL)
        wipe_string ((char *) auth);
    }
  if (data->cancel_source != NULL)
    {
      g_source_destroy (data->cancel_source);
      g_source_unref (data->cancel_source);
    }
  send_data_leave_wire (data);
  g_clear_object (&data->wire);
  g_clear_object (&data->stream);
  g_clear_object (&data->msg);
  g_clear_pointer (&data->body, g_byte_array_unref);
  g_free (data->host);
  g_free (data);
}

static void pump_queue (CmtdAtlassian *self);

static void
on_close_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  /* A body we stopped reading is thrown away; nothing to report. */
  g_input_stream_close_finish (G_INPUT_STREAM (source), result, NULL);
}

/* Closing without reading the rest of a body makes libsoup drop the
 * connection rather than read a huge answer to its end. */
static void
discard_stream (SendData *data)
{
  if (data->stream == NULL)
    return;
  g_input_stream_close_async (data->stream, G_PRIORITY_DEFAULT, NULL, on_close_done, NULL);
  g_clear_object (&data->stream);
}

/* The request is off the wire: free its slot, start the next, and hand the
 * outcome over. Takes the reference on @task. */
static void
send_complete (GTask  *task,
               GError *error)
{
  /* The callbacks below may drop the last reference on us. */
  g_autoptr(CmtdAtlassian) self = g_object_ref (g_task_get_source_object (task));
  SendData *data = g_task_get_task_data (task);
  guint status = soup_message_get_status (data->msg);
  g_autoptr(GUri) uri = soup_uri_copy (soup_message_get_uri (data->msg),
                                       SOUP_URI_USER, NULL, SOUP_URI_PASSWORD, NULL,
                                       SOUP_URI_QUERY, NULL, SOUP_URI_FRAGMENT, NULL,
                                       SOUP_URI_NONE);
  g_autofree char *url = g_uri_to_string (uri);

  discard_stream (data);
  send_data_leave_wire (data);

  if (data->on_the_wire)
    {
      guint on_host = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_host, data->host));

      g_assert (self->in_flight > 0 && on_host > 0);
      self->in_flight--;
      if (on_host > 1)
        g_hash_table_insert (self->per_host, g_strdup (data->host), GUINT_TO_POINTER (on_host - 1));
      else
        g_hash_table_remove (self->per_host, data->host);
      data->on_the_wire = FALSE;
    }

  if (error == NULL && (status == 429 || status == SOUP_STATUS_SERVICE_UNAVAILABLE))
    {
      gint64 seconds = retry_after_seconds (data->msg);

      if (seconds > 0)
        {
          gint64 *until = g_new (gint64, 1);

          *until = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
          g_hash_table_insert (self->not_before, g_strdup (data->host), until);
          g_message ("%s asks to wait %" G_GINT64_FORMAT " s (HTTP %u); requests to it wait", data->host,
                     seconds, status);
        }
    }

  if (data->deadline_hit && g_error_matches (error, CMT_ERROR, CMT_ERROR_CANCELLED))
    {
      g_autoptr(GError) timed_out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "deadline");

      g_clear_error (&error);
      error = transport_error (data->host, self->timeout, timed_out);
    }

  g_debug ("%s %s: %u, %" G_GINT64_FORMAT " ms%s%s",
           soup_message_get_method (data->msg), url, status,
           (g_get_monotonic_time () - data->started) / 1000,
           error != NULL ? ", " : "", error != NULL ? error->message : "");

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task,
                           g_byte_array_free_to_bytes (g_steal_pointer (&data->body)),
                           (GDestroyNotify) g_bytes_unref);
  g_object_unref (task);

  pump_queue (self);
}

static void read_next (GTask *task);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      CmtdAtlassian *self = g_task_get_source_object (task);

      send_complete (task, transport_error (data->host, self->timeout, error));
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      send_complete (task, NULL);
      return;
    }
  if (data->body->len + g_bytes_get_size (chunk) > MAX_BODY_SIZE)
    {
      send_complete (task, too_large_error (data->host));
      return;
    }
  g_byte_array_append (data->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  /* The answer may hold the 5-minute token. */
  explicit_bzero ((gpointer) g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_next (task);
}

static void
read_next (GTask *task)
{
  SendData *data = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (data->stream, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   data->wire, on_read, task);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  CmtdAtlassian *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;

  data->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (data->stream == NULL)
    {
      send_complete (task, transport_error (data->host, self->timeout, error));
      return;
    }

  headers = soup_message_get_response_headers (data->msg);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > MAX_BODY_SIZE)
    {
      send_complete (task, too_large_error (data->host));
      return;
    }

  read_next (task);
}

static gboolean
on_waiting_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;
  CmtdAtlassian *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");

  g_queue_delete_link (&self->waiting, g_steal_pointer (&data->link));
  g_clear_pointer (&data->cancel_source, g_source_unref);
  send_complete (task, transport_error (data->host, self->timeout, error));
  return G_SOURCE_REMOVE;
}

static void
chain_cancel (GCancellable *outer,
              GCancellable *wire)
{
  g_cancellable_cancel (wire);
}

static gboolean
on_deadline (gpointer user_data)
{
  SendData *data = user_data;

  data->deadline_id = 0;
  data->deadline_hit = TRUE;
  g_cancellable_cancel (data->wire);
  return G_SOURCE_REMOVE;
}

static void
put_on_the_wire (CmtdAtlassian *self,
                 GTask         *task)
{
  SendData *data = g_task_get_task_data (task);
  GCancellable *outer = g_task_get_cancellable (task);
  guint on_host = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_host, data->host));

  data->link = NULL;
  if (data->cancel_source != NULL)
    {
      g_source_destroy (data->cancel_source);
      g_clear_pointer (&data->cancel_source, g_source_unref);
    }

  self->in_flight++;
  g_hash_table_insert (self->per_host, g_strdup (data->host), GUINT_TO_POINTER (on_host + 1));
  data->on_the_wire = TRUE;
  data->started = g_get_monotonic_time ();
  data->wire = g_cancellable_new ();
  if (outer != NULL)
    {
      data->outer = g_object_ref (outer);
      /* Runs chain_cancel at once if it is cancelled already. */
      data->outer_id = g_cancellable_connect (outer, G_CALLBACK (chain_cancel),
                                              g_object_ref (data->wire), g_object_unref);
    }
  data->deadline_id = g_timeout_add_seconds (self->timeout, on_deadline, data);
  soup_session_send_async (self->session, data->msg, G_PRIORITY_DEFAULT,
                           data->wire, on_sent, task);
}

/* Starts waiting requests while there is room: at most max_parallel in all
 * and max_per_host to one host, so that slow hosts cannot hold every slot. */
static gboolean
on_pump_timer (gpointer user_data)
{
  CmtdAtlassian *self = user_data;

  self->pump_timer = 0;
  pump_queue (self);
  return G_SOURCE_REMOVE;
}

/* Microseconds until @host takes requests again (Retry-After), or 0. */
static gint64
host_wait (CmtdAtlassian *self,
           const char    *host,
           gint64         now)
{
  gint64 *until = g_hash_table_lookup (self->not_before, host);

  if (until == NULL)
    return 0;
  if (*until <= now)
    {
      g_hash_table_remove (self->not_before, host);
      return 0;
    }
  return *until - now;
}

/* Starts waiting requests while there is room: at most max_parallel in all
 * and max_per_host to one host, so that slow hosts cannot hold every slot;
 * a host that asked to wait (Retry-After) gets nothing until then. */
static void
pump_queue (CmtdAtlassian *self)
{
  GList *l = self->waiting.head;
  gint64 now = g_get_monotonic_time ();
  gint64 next_wait = 0;

  while (l != NULL && self->in_flight < self->max_parallel)
    {
      GList *next = l->next;
      GTask *task = l->data;
      SendData *data = g_task_get_task_data (task);
      gint64 wait = host_wait (self, data->host, now);

      if (wait > 0)
        next_wait = next_wait == 0 ? wait : MIN (next_wait, wait);
      else if (GPOINTER_TO_UINT (g_hash_table_lookup (self->per_host, data->host)) < self->max_per_host)
        {
          g_queue_delete_link (&self->waiting, l);
          put_on_the_wire (self, task);
        }
      l = next;
    }
  if (next_wait > 0 && self->pump_timer == 0)
    self->pump_timer = g_timeout_add ((guint) (next_wait / 1000) + 1, on_pump_timer, self);
}

/* Queues @msg (transfer full). Completes with the body of any HTTP answer,
 * whatever its status; the status is read with send_request_finish(). */
static void
send_request_async (CmtdAtlassian       *self,
                    SoupMessage         *msg,
                    const char          *host,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task;
  SendData *data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, send_request_async);
  /* Our own CMT_ERROR_CANCELLED, not GTask's G_IO_ERROR_CANCELLED. */
  g_task_set_check_cancellable (task, FALSE);

  data = g_new0 (SendData, 1);
  data->msg = msg;
  data->host = g_strdup (host);
  /* Big enough for any answer we expect, so that growing it never leaves a
   * copy of a token behind in freed memory. */
  data->body = g_byte_array_sized_new (READ_CHUNK_SIZE);
  data->started = g_get_monotonic_time ();
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      send_complete (task, transport_error (host, self->timeout, error));
      return;
    }

  {
    gint64 wait = host_wait (self, host, g_get_monotonic_time ());

    if (wait > (gint64) self->timeout * G_USEC_PER_SEC)
      {
        g_task_return_error (task, rate_limited_error (host, 429, wait / G_USEC_PER_SEC + 1));
        g_object_unref (task);
        return;
      }
  }

  g_queue_push_tail (&self->waiting, task);
  data->link = self->waiting.tail;
  if (cancellable != NULL)
    {
      data->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (data->cancel_source, G_SOURCE_FUNC (on_waiting_cancelled), task, NULL);
      g_source_attach (data->cancel_source, g_main_context_get_thread_default ());
    }
  pump_queue (self);
}

static GBytes *
send_request_finish (CmtdAtlassian  *self,
                     GAsyncResult   *result,
                     guint          *status,
                     GError        **error)
{
  SendData *data = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  *status = soup_message_get_status (data->msg);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The exchange's message, for its response headers (valid as long as @result). */
static SoupMessage *
send_request_get_message (GAsyncResult *result)
{
  SendData *data = g_task_get_task_data (G_TASK (result));

  return data->msg;
}

static SoupMessage *
new_message (const char *method,
             const char *url,
             const char *authorization,
             GBytes     *body)
{
  SoupMessage *msg = soup_message_new (method, url);
  SoupMessageHeaders *headers;

  if (msg == NULL)
    return NULL;

  /* A redirect could carry the credential to another host. */
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  /* Jira and Confluence refuse a POST without it (XSRF protection). */
  soup_message_headers_replace (headers, "X-Atlassian-Token", "no-check");
  if (authorization != NULL)
    soup_message_headers_replace (headers, "Authorization", authorization);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  return msg;
}

/* ---- answers ------------------------------------------------------------------ */

static JsonObject *
parse_object (GBytes     *body,
              const char *host,
              GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  JsonNode *root;

  if (data == NULL || len == 0 ||
      !json_parser_load_from_data (parser, data, len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_propagate_error (error, unreadable_error (host));
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static char *
read_display_name (GBytes     *body,
                   const char *host,
                   GError    **error)
{
  g_autoptr(JsonObject) object = parse_object (body, host, error);
  const char *name;

  if (object == NULL)
    return NULL;
  name = get_string_member (object, "displayName");
  if (name == NULL || *name == '\0')
    name = get_string_member (object, "name");
  if (name == NULL || *name == '\0')
    name = get_string_member (object, "emailAddress");
  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, NULL))
    {
      g_propagate_error (error, unreadable_error (host));
      return NULL;
    }
  return g_strdup (name);
}

/* ---- the operations --------------------------------------------------------- */

typedef struct
{
  char *base_url;       /* normalised site or server URL */
  char *host;
  char *product;
  char *auth_kind;
  char *username;       /* email or user name; not a secret */
  char *authorization;  /* header value: a secret, wiped */
  char *cloud_url;
  char *display_name;
  char *cloud_id;       /* check_cloud_account: the site's, for the gateway */
  gboolean scoped;      /* check_cloud_account: accepted through the gateway only */
} OpData;

static void
op_data_free (OpData *op)
{
  cmtd_atlassian_secret_free (op->authorization);
  g_free (op->base_url);
  g_free (op->host);
  g_free (op->product);
  g_free (op->auth_kind);
  g_free (op->username);
  g_free (op->cloud_url);
  g_free (op->display_name);
  g_free (op->cloud_id);
  g_free (op);
}

static GTask *
op_new (CmtdAtlassian       *self,
        gpointer             source_tag,
        GCancellable        *cancellable,
        GAsyncReadyCallback  callback,
        gpointer             user_data,
        OpData             **op_out)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  OpData *op = g_new0 (OpData, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, op, (GDestroyNotify) op_data_free);
  *op_out = op;
  return task;
}

/* Fills op->base_url and op->host from @url; FALSE (and the task returned)
 * when it is not a URL cmatoken may send a credential to. */
static gboolean
op_set_url (GTask      *task,
            OpData     *op,
            const char *url)
{
  GError *error = NULL;

  op->base_url = cmt_url_normalize (url, &error);
  if (op->base_url == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return FALSE;
    }
  op->host = cmt_url_display (op->base_url);
  return TRUE;
}

static gboolean
check_nonempty (GTask      *task,
                const char *value,
                const char *message)
{
  if (value != NULL && *value != '\0')
    return TRUE;
  g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT, "%s", message);
  g_object_unref (task);
  return FALSE;
}

static gboolean
check_auth_kind (GTask      *task,
                 const char *auth_kind,
                 const char *username)
{
  if (g_strcmp0 (auth_kind, "pat") == 0)
    return TRUE;
  if (g_strcmp0 (auth_kind, "basic") == 0)
    return check_nonempty (task, username,
                           _("The user name for the server is empty. Enter the user name that goes with the password."));
  g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("“%s” is not a kind of server credential cmatoken knows. Use a personal access token or a user name and password."),
                           auth_kind != NULL ? auth_kind : "");
  g_object_unref (task);
  return FALSE;
}

/* Sends @path under op->base_url and calls @callback with @task. */
static void
op_send (GTask               *task,
         const char          *method,
         const char          *path,
         GBytes              *body,
         GAsyncReadyCallback  callback)
{
  CmtdAtlassian *self = g_task_get_source_object (task);
  OpData *op = g_task_get_task_data (task);
  g_autofree char *url = cmt_url_join (op->base_url, path);
  SoupMessage *msg = new_message (method, url, op->authorization, body);

  if (msg == NULL)
    {
      g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a URL cmatoken can use. Check the address."), op->base_url);
      g_object_unref (task);
      return;
    }
  send_request_async (self, msg, op->host, g_task_get_cancellable (task), callback, task);
}

/* check_cloud_account */

/* Jira's Seraph says a login failed (often its CAPTCHA), even with 200. */
static gboolean
seraph_refused (SoupMessage *msg)
{
  const char *reason = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                     "X-Seraph-LoginReason");

  return reason != NULL && (strstr (reason, "AUTHENTICATED_FAILED") != NULL ||
                            strstr (reason, "AUTHENTICATION_DENIED") != NULL);
}

/* The ways a server or site says "not you" with an answer that looks like a
 * success, or like something else: Seraph's headers, Basic authentication
 * turned off, a login page, Confluence's anonymous user. NULL when none
 * applies. */
static GError *
refused_login_error (OpData       *op,
                     SoupMessage  *msg,
                     GBytes       *body,
                     guint         status,
                     gboolean      cloud)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *denied = soup_message_headers_get_one (headers, "X-Authentication-Denied-Reason");
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  int code = cloud ? CMT_ERROR_CLOUD_AUTH_FAILED : CMT_ERROR_SERVER_AUTH_FAILED;
  gsize len = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  gsize i = 0;

  if (denied != NULL && *denied != '\0')
    return g_error_new (CMT_ERROR, code,
                        _("%s wants a CAPTCHA after failed logins, so it refuses the credential for now. Log in to it once in a browser, or use a personal access token, then enter the credential again."),
                        op->host);
  if (seraph_refused (msg))
    return NULL; /* the caller's own "did not accept" */
  if (status == SOUP_STATUS_FORBIDDEN && data != NULL &&
      g_strstr_len (data, len, "Basic Authentication has been disabled") != NULL)
    return g_error_new (CMT_ERROR, code,
                        _("%s has Basic authentication turned off, so it accepts no password. Create a personal access token in your profile on the server and use it instead."),
                        op->host);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    return NULL;
  while (data != NULL && i < len && g_ascii_isspace (data[i]))
    i++;
  if ((content_type != NULL && g_ascii_strcasecmp (content_type, "text/html") == 0) ||
      (data != NULL && i < len && data[i] == '<'))
    return g_error_new (CMT_ERROR, code,
                        _("A login page answered instead of %s (single sign-on or a proxy in between). Use a personal access token, or the server's direct address that bypasses the login page."),
                        op->host);
  if (data != NULL && i < len && data[i] == '{')
    {
      g_autoptr(JsonObject) object = parse_object (body, op->host, NULL);
      const char *type = object != NULL ? get_string_member (object, "type") : NULL;

      if (g_strcmp0 (type, "anonymous") == 0)
        return g_error_new (CMT_ERROR, code,
                            _("%s answered as the anonymous user: it did not accept the credential, or a proxy in between did not pass it on. Check the credential, or use the server's direct address."),
                            op->host);
    }
  return NULL;
}


static void on_cloud_myself (GObject *source, GAsyncResult *result, gpointer user_data);

/* A myself answer that says who: its display name is the task's result. */
static void
return_display_name (GTask  *task,
                     OpData *op,
                     GBytes *body)
{
  GError *error = NULL;
  char *name = read_display_name (body, op->host, &error);

  if (name == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, name, g_free);
}


static GError *
cloud_token_refused (OpData *op)
{
  return g_error_new (CMT_ERROR, CMT_ERROR_CLOUD_AUTH_FAILED,
                      _("The Atlassian cloud site %1$s did not accept the email address %2$s with this API token. The token may be mistyped, expired or revoked: create a new one at https://id.atlassian.com/manage-profile/security/api-tokens and enter it again."),
                      op->host, op->username);
}

/* The token was valid at the gateway: a scoped API token. */
static void
on_gateway_myself (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  OpData *op = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  guint status = 0;

  body = send_request_finish (CMTD_ATLASSIAN (source), result, &status, &error);
  if (body == NULL)
    g_task_return_error (task, error);
  else if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_debug ("%s: the API token is valid through the gateway (a scoped token)", op->host);
      op->scoped = TRUE;
      return_display_name (task, op, body);
    }
  else
    g_task_return_error (task, cloud_token_refused (op));
  g_object_unref (task);
}

/* The site refused the token: maybe a scoped one, which works only through
 * Atlassian's gateway. Ask the site for its cloudId, then the gateway. */
static void
on_tenant_info (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  CmtdAtlassian *self = CMTD_ATLASSIAN (source);
  OpData *op = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *url = NULL;
  g_autofree char *api_host = NULL;
  GError *error = NULL;
  const char *cloud_id;
  guint status = 0;
  SoupMessage *msg;

  body = send_request_finish (self, result, &status, &error);
  if (body != NULL && SOUP_STATUS_IS_SUCCESSFUL (status))
    object = parse_object (body, op->host, NULL);
  cloud_id = object != NULL ? get_string_member (object, "cloudId") : NULL;
  g_clear_error (&error);
  /* A cloudId goes into a URL path: letters, digits and dashes only. */
  if (cloud_id == NULL || *cloud_id == '\0' || strlen (cloud_id) > 64 ||
      strspn (cloud_id, "0123456789abcdefABCDEF-") != strlen (cloud_id))
    {
      g_task_return_error (task, cloud_token_refused (op));
      g_object_unref (task);
      return;
    }
  op->cloud_id = g_strdup (cloud_id);
  url = g_str_equal (op->product, "confluence")
        ? g_strdup_printf ("%s/ex/confluence/%s/wiki/rest/api/user/current", self->api_base_url, cloud_id)
        : g_strdup_printf ("%s/ex/jira/%s/rest/api/3/myself", self->api_base_url, cloud_id);
  msg = new_message ("GET", url, op->authorization, NULL);
  if (msg == NULL)
    {
      g_task_return_error (task, cloud_token_refused (op));
      g_object_unref (task);
      return;
    }
  api_host = cmt_url_display (self->api_base_url);
  send_request_async (self, msg, api_host, g_task_get_cancellable (task), on_gateway_myself, task);
}

gboolean
cmtd_atlassian_check_was_scoped (GAsyncResult *result)
{
  OpData *op = g_task_get_task_data (G_TASK (result));

  return op != NULL && op->scoped;
}

static void
on_cloud_myself (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  OpData *op = g_task_get_task_data (task);
  gboolean wiki = g_str_equal (op->product, "confluence");
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  guint status = 0;
  gboolean refused;

  body = send_request_finish (CMTD_ATLASSIAN (source), result, &status, &error);
  if (body == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (status == SOUP_STATUS_NOT_FOUND && !wiki)
    {
      /* A Confluence-only site has no Jira API. */
      g_free (op->product);
      op->product = g_strdup ("confluence");
      op_send (task, "GET", "/wiki/rest/api/user/current", NULL, on_cloud_myself);
      return;
    }

  refused = seraph_refused (send_request_get_message (result));
  error = refused_login_error (op, send_request_get_message (result), body, status, TRUE);
  if (error != NULL)
    g_task_return_error (task, error);
  else if (SOUP_STATUS_IS_SUCCESSFUL (status) && !refused)
    return_display_name (task, op, body);
  else if (status == SOUP_STATUS_UNAUTHORIZED && !refused)
    {
      /* Maybe a scoped token: they work only through the gateway. */
      op_send (task, "GET", "/_edge/tenant_info", NULL, on_tenant_info);
      return;
    }
  else if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN || refused)
    g_task_return_error (task, cloud_token_refused (op));
  else if (status == SOUP_STATUS_NOT_FOUND)
    g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_NOT_SUPPORTED,
                             _("%s does not answer like an Atlassian cloud site. Check the address; it looks like https://your-site.atlassian.net."),
                             op->host);
  else
    g_task_return_error (task, generic_status_error (op->host, op->base_url, send_request_get_message (result), body));
  g_object_unref (task);
}

void
cmtd_atlassian_check_cloud_account_async (CmtdAtlassian       *self,
                                          const char          *site_url,
                                          const char          *email,
                                          const char          *api_token,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  GTask *task;
  OpData *op;

  g_return_if_fail (CMTD_IS_ATLASSIAN (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = op_new (self, cmtd_atlassian_check_cloud_account_async, cancellable, callback, user_data, &op);
  op->product = g_strdup ("jira");
  if (!op_set_url (task, op, site_url) ||
      !check_nonempty (task, email, _("The email address is empty. Enter the email address of your Atlassian account.")) ||
      !check_nonempty (task, api_token, _("The API token is empty. Create one at https://id.atlassian.com/manage-profile/security/api-tokens and enter it.")))
    return;
  op->username = g_strdup (email);
  op->authorization = make_authorization ("basic", email, api_token);
  op_send (task, "GET", "/rest/api/3/myself", NULL, on_cloud_myself);
}

gboolean
cmtd_atlassian_check_cloud_account_finish (CmtdAtlassian  *self,
                                           GAsyncResult   *result,
                                           char          **display_name,
                                           GError        **error)
{
  char *name;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cmtd_atlassian_check_cloud_account_async, FALSE);

  name = g_task_propagate_pointer (G_TASK (result), error);
  if (display_name != NULL)
    *display_name = name;
  else
    g_free (name);
  return name != NULL;
}

/* check_server */

static GError *
server_auth_error (OpData *op,
                   guint   status)
{
  if (status == SOUP_STATUS_FORBIDDEN)
    return g_error_new (CMT_ERROR, CMT_ERROR_SERVER_AUTH_FAILED,
                        _("The server %s refused the request: the account lacks the permission, or the server wants a CAPTCHA after failed logins. Log in to the server once in a browser, and use the credentials of an administrator."),
                        op->host);
  if (g_str_equal (op->auth_kind, "pat"))
    return g_error_new (CMT_ERROR, CMT_ERROR_SERVER_AUTH_FAILED,
                        _("The server %s did not accept the personal access token. It may be mistyped, expired or revoked: create a new one in your profile on the server and enter it again."),
                        op->host);
  return g_error_new (CMT_ERROR, CMT_ERROR_SERVER_AUTH_FAILED,
                      _("The server %1$s did not accept the user name %2$s with this password. Check both and enter them again."),
                      op->host, op->username);
}

static void
on_server_myself (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  OpData *op = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  guint status = 0;

  body = send_request_finish (CMTD_ATLASSIAN (source), result, &status, &error);
  if (body != NULL)
    error = refused_login_error (op, send_request_get_message (result), body, status, FALSE);
  if (body == NULL || error != NULL)
    g_task_return_error (task, error);
  else if (seraph_refused (send_request_get_message (result)))
    g_task_return_error (task, server_auth_error (op, SOUP_STATUS_UNAUTHORIZED));
  else if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return_display_name (task, op, body);
  else if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    g_task_return_error (task, server_auth_error (op, status));
  else if (status == SOUP_STATUS_NOT_FOUND && g_str_equal (op->product, "confluence"))
    g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_NOT_SUPPORTED,
                             _("%s does not answer like a Confluence server. Check that the address is the server's base URL (Confluence shows it under General Configuration) and that the product is right."),
                             op->host);
  else if (status == SOUP_STATUS_NOT_FOUND)
    g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_NOT_SUPPORTED,
                             _("%s does not answer like a Jira server. Check that the address is the server's base URL (Jira shows it under General configuration) and that the product is right."),
                             op->host);
  else
    g_task_return_error (task, generic_status_error (op->host, op->base_url, send_request_get_message (result), body));
  g_object_unref (task);
}

void
cmtd_atlassian_check_server_async (CmtdAtlassian       *self,
                                   const char          *product,
                                   const char          *base_url,
                                   const char          *auth_kind,
                                   const char          *username,
                                   const char          *secret,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  OpData *op;
  const char *path;

  g_return_if_fail (CMTD_IS_ATLASSIAN (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = op_new (self, cmtd_atlassian_check_server_async, cancellable, callback, user_data, &op);
  if (g_strcmp0 (product, "jira") == 0)
    path = "/rest/api/2/myself";
  else if (g_strcmp0 (product, "confluence") == 0)
    path = "/rest/api/user/current";
  else
    {
      g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a product cmatoken knows. Use jira or confluence."),
                               product != NULL ? product : "");
      g_object_unref (task);
      return;
    }
  op->product = g_strdup (product);
  if (!op_set_url (task, op, base_url) ||
      !check_auth_kind (task, auth_kind, username) ||
      !check_nonempty (task, secret, _("The server credential is empty. Enter the personal access token or the password.")))
    return;
  op->auth_kind = g_strdup (auth_kind);
  op->username = g_strdup (username);
  op->authorization = make_authorization (auth_kind, username, secret);
  op_send (task, "GET", path, NULL, on_server_myself);
}

gboolean
cmtd_atlassian_check_server_finish (CmtdAtlassian  *self,
                                    GAsyncResult   *result,
                                    char          **display_name,
                                    GError        **error)
{
  char *name;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cmtd_atlassian_check_server_async, FALSE);

  name = g_task_propagate_pointer (G_TASK (result), error);
  if (display_name != NULL)
    *display_name = name;
  else
    g_free (name);
  return name != NULL;
}

/* create_auth_token */

/* The site an answer names is the site asked for (both normalised). */
static gboolean
same_cloud_url (const char *answer,
                const char *asked)
{
  g_autofree char *a = answer != NULL ? cmt_url_normalize (answer, NULL) : NULL;
  g_autofree char *b = asked != NULL ? cmt_url_normalize (asked, NULL) : NULL;

  return a != NULL && b != NULL && g_str_equal (a, b);
}

#define MAX_AUTH_TOKEN_LENGTH (64 * 1024)

/* An auth token is forwarded exactly as it came, or not at all. */
static gboolean
auth_token_is_clean (const char *token,
                     GBytes     *raw)
{
  gsize len;
  const char *data = g_bytes_get_data (raw, &len);

  if (token == NULL || *token == '\0' || strlen (token) > MAX_AUTH_TOKEN_LENGTH)
    return FALSE;
  /* json-glib ends a string at an escaped NUL: it would be cut. */
  if (data != NULL && g_strstr_len (data, len, "\\u0000") != NULL)
    return FALSE;
  for (const char *p = token; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p) || *p == ' ')
      return FALSE;
  return TRUE;
}

static GError *
wrong_site_error (const char *host,
                  const char *answer,
                  const char *asked)
{
  return g_error_new (CMT_ERROR, CMT_ERROR_TOKEN_REJECTED,
                      _("%1$s answered for the cloud site %2$s, not for %3$s that was asked for. Nothing was saved. Check the cloud site address of the connection, then try again."),
                      host, answer != NULL ? answer : "?", asked);
}

static void
on_token_created (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  OpData *op = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  GError *error = NULL;
  guint status = 0;
  const char *token;

  body = send_request_finish (CMTD_ATLASSIAN (source), result, &status, &error);
  if (body == NULL)
    g_task_return_error (task, error);
  else if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      object = parse_object (body, op->host, &error);
      if (object == NULL)
        g_task_return_error (task, error);
      else if (!auth_token_is_clean ((token = get_string_member (object, "token")), body))
        g_task_return_error (task, unreadable_error (op->host));
      else if (!same_cloud_url (get_string_member (object, "cloudUrl"), op->cloud_url))
        g_task_return_error (task, wrong_site_error (op->host, get_string_member (object, "cloudUrl"),
                                                     op->cloud_url));
      else
        g_task_return_pointer (task, g_strdup (token), wipe_and_free);
      /* The parser's copy of the token goes with the JSON tree; wipe it. */
      if (object != NULL && (token = get_string_member (object, "token")) != NULL)
        wipe_string ((char *) token);
      /* And the raw answer. */
      explicit_bzero ((gpointer) g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    }
  else if (status == SOUP_STATUS_UNAUTHORIZED)
    g_task_return_error (task, with_atlassian_message (
      g_error_new (CMT_ERROR, CMT_ERROR_CLOUD_AUTH_FAILED,
                   _("Atlassian (%1$s) did not accept the email address %2$s with this API token. The token may be mistyped, expired or revoked: create a new one at https://id.atlassian.com/manage-profile/security/api-tokens and enter it again."),
                   op->host, op->username), body));
  else if (status == SOUP_STATUS_FORBIDDEN)
    g_task_return_error (task, with_atlassian_message (
      g_error_new (CMT_ERROR, CMT_ERROR_CLOUD_AUTH_FAILED,
                   _("Atlassian refused to connect a server to the cloud site %1$s for %2$s: only a site or organization admin of that site may do this. Use the email address and API token of an admin."),
                   op->cloud_url, op->username), body));
  else if (status == SOUP_STATUS_BAD_REQUEST)
    g_task_return_error (task, with_atlassian_message (
      g_error_new (CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("Atlassian (%1$s) did not accept the cloud site address %2$s. Check that it is the address of your cloud site, like https://your-site.atlassian.net."),
                   op->host, op->cloud_url), body));
  else
    g_task_return_error (task, generic_status_error (op->host, op->base_url, send_request_get_message (result), body));
  g_object_unref (task);
}

void
cmtd_atlassian_create_auth_token_async (CmtdAtlassian       *self,
                                        const char          *cloud_url,
                                        const char          *email,
                                        const char          *api_token,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GBytes) body = NULL;
  GTask *task;
  OpData *op;

  g_return_if_fail (CMTD_IS_ATLASSIAN (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = op_new (self, cmtd_atlassian_create_auth_token_async, cancellable, callback, user_data, &op);
  if (!op_set_url (task, op, self->api_base_url) ||
      !check_nonempty (task, cloud_url, _("The cloud site address is empty. Enter the address of your cloud site, like https://your-site.atlassian.net.")) ||
      !check_nonempty (task, email, _("The email address is empty. Enter the email address of your Atlassian account.")) ||
      !check_nonempty (task, api_token, _("The API token is empty. Create one at https://id.atlassian.com/manage-profile/security/api-tokens and enter it.")))
    return;
  op->cloud_url = g_strdup (cloud_url);
  op->username = g_strdup (email);
  op->authorization = make_authorization ("basic", email, api_token);
  body = make_json_body (cloud_url, NULL);
  op_send (task, "POST", "/migrations/public/v1/token", body, on_token_created);
}

char *
cmtd_atlassian_create_auth_token_finish (CmtdAtlassian  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cmtd_atlassian_create_auth_token_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* save_token */

/* Only a JSON object that names the site asked for is a success: the
 * documented {"cloudUrl": …, "message": …}. Anything else, a login page, {},
 * {"errorMessages": […]}, is a failure that says what answered. */
static GError *
save_answer_error (OpData *op,
                   GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  JsonNode *root;
  JsonObject *object;
  const char *cloud_url;

  if (data == NULL || len == 0 ||
      !json_parser_load_from_data (parser, data, len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      gsize i = 0;

      while (data != NULL && i < len && g_ascii_isspace (data[i]))
        i++;
      /* Markup where JSON belongs: a web page answered. */
      if (data != NULL && i < len && data[i] == '<')
        return g_error_new (CMT_ERROR, CMT_ERROR_SERVER_AUTH_FAILED,
                            _("A web page (a login page of single sign-on or a proxy) answered on %s instead of the Cloud Migration Assistant, so the token was not saved. Use a personal access token, or the server's direct address that bypasses the login page."),
                            op->host);
      return unreadable_error (op->host);
    }
  object = json_node_get_object (root);
  if (json_object_has_member (object, "errorMessages"))
    return g_error_new (CMT_ERROR, CMT_ERROR_SERVER_AUTH_FAILED,
                        _("%s answered that it did not accept the request (for example “You are not logged in”), so the token was not saved. Check the server credential: replace it with a valid personal access token or password, then try again."),
                        op->host);
  cloud_url = get_string_member (object, "cloudUrl");
  if (cloud_url == NULL)
    return g_error_new (CMT_ERROR, CMT_ERROR_NETWORK,
                        _("%s did not confirm that it saved the token (its answer names no cloud site). Nothing was changed; try again."),
                        op->host);
  if (!same_cloud_url (cloud_url, op->cloud_url))
    return wrong_site_error (op->host, cloud_url, op->cloud_url);
  return NULL;
}

static void
on_token_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  OpData *op = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  guint status = 0;

  body = send_request_finish (CMTD_ATLASSIAN (source), result, &status, &error);
  /* The server's credential refused as at a check: a CAPTCHA, Basic
   * authentication turned off, a login page, the anonymous user, Seraph. */
  if (body != NULL)
    error = refused_login_error (op, send_request_get_message (result), body, status, FALSE);
  if (body == NULL || error != NULL)
    g_task_return_error (task, error);
  else if (seraph_refused (send_request_get_message (result)))
    g_task_return_error (task, server_auth_error (op, SOUP_STATUS_UNAUTHORIZED));
  else if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      GError *answer_error = save_answer_error (op, body);

      if (answer_error == NULL)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, answer_error);
    }
  else if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    g_task_return_error (task, server_auth_error (op, status));
  else if (status == SOUP_STATUS_INTERNAL_SERVER_ERROR && body != NULL &&
           g_strstr_len (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                         "Exception in saving token") != NULL)
    /* The assistant's own answer; any other 500 is transient (below). */
    g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_TOKEN_REJECTED,
                             _("The Cloud Migration Assistant on %1$s did not accept the auth token for %2$s (“Exception in saving token”). The token may have expired on the way, or it was made for another cloud site. Try again; if it fails again, renew the connection by hand in the assistant."),
                             op->host, op->cloud_url);
  else if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_METHOD_NOT_ALLOWED ||
           status == SOUP_STATUS_NOT_IMPLEMENTED)
    g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_NOT_SUPPORTED,
                             _("The Cloud Migration Assistant on %s is missing or older than JCMA 1.12.5 / CCMA 3.10.8, so cmatoken cannot renew its connection. Update the Cloud Migration Assistant app on the server, or renew the connection by hand in the assistant."),
                             op->host);
  else if (status == SOUP_STATUS_BAD_REQUEST)
    g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                             _("The Cloud Migration Assistant on %1$s did not accept the request for the cloud site %2$s. Check the cloud site address, then try again."),
                             op->host, op->cloud_url);
  else
    g_task_return_error (task, generic_status_error (op->host, op->base_url, send_request_get_message (result), body));
  g_object_unref (task);
}

void
cmtd_atlassian_save_token_async (CmtdAtlassian       *self,
                                 const char          *base_url,
                                 const char          *auth_kind,
                                 const char          *username,
                                 const char          *secret,
                                 const char          *cloud_url,
                                 const char          *auth_token,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GBytes) body = NULL;
  GTask *task;
  OpData *op;

  g_return_if_fail (CMTD_IS_ATLASSIAN (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = op_new (self, cmtd_atlassian_save_token_async, cancellable, callback, user_data, &op);
  if (!op_set_url (task, op, base_url) ||
      !check_auth_kind (task, auth_kind, username) ||
      !check_nonempty (task, secret, _("The server credential is empty. Enter the personal access token or the password.")) ||
      !check_nonempty (task, cloud_url, _("The cloud site address is empty. Enter the address of your cloud site, like https://your-site.atlassian.net.")) ||
      !check_nonempty (task, auth_token, _("There is no auth token to save. Start the renewal again.")))
    return;
  op->auth_kind = g_strdup (auth_kind);
  op->username = g_strdup (username);
  op->cloud_url = g_strdup (cloud_url);
  op->authorization = make_authorization (auth_kind, username, secret);
  body = make_json_body (cloud_url, auth_token);
  op_send (task, "POST", "/rest/migration/latest/cloud/save/token", body, on_token_saved);
}

gboolean
cmtd_atlassian_save_token_finish (CmtdAtlassian  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cmtd_atlassian_save_token_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the object --------------------------------------------------------------- */

static guint
read_timeout (void)
{
  const char *env = g_getenv ("CMATOKEN_HTTP_TIMEOUT");
  guint64 value;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 3600, &value, NULL))
    return (guint) value;
  return DEFAULT_TIMEOUT_SECONDS;
}

static void
cmtd_atlassian_finalize (GObject *object)
{
  CmtdAtlassian *self = CMTD_ATLASSIAN (object);

  /* Every queued or running request holds a reference on us. */
  g_assert (g_queue_is_empty (&self->waiting));
  g_clear_object (&self->session);
  g_clear_pointer (&self->per_host, g_hash_table_unref);
  g_clear_pointer (&self->not_before, g_hash_table_unref);
  g_clear_handle_id (&self->pump_timer, g_source_remove);
  g_free (self->api_base_url);

  G_OBJECT_CLASS (cmtd_atlassian_parent_class)->finalize (object);
}

static void
cmtd_atlassian_class_init (CmtdAtlassianClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cmtd_atlassian_finalize;
}

static void
cmtd_atlassian_init (CmtdAtlassian *self)
{
  g_queue_init (&self->waiting);
  self->per_host = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->not_before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static gboolean
api_base_is_loopback (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  return uri != NULL && cmt_url_host_is_loopback (g_uri_get_host (uri)) &&
         strchr (url, '%') == NULL && strchr (url, '@') == NULL;
}

gint64
cmtd_atlassian_get_retry_after (CmtdAtlassian *self,
                                const char    *url)
{
  g_autofree char *normalized = cmt_url_normalize (url != NULL ? url : self->api_base_url, NULL);
  g_autofree char *host = normalized != NULL ? cmt_url_display (normalized) : NULL;
  gint64 wait;

  if (host == NULL)
    return 0;
  wait = host_wait (self, host, g_get_monotonic_time ());
  return wait > 0 ? wait / G_USEC_PER_SEC + 1 : 0;
}

CmtdAtlassian *
cmtd_atlassian_new (const char *api_base_url,
                    guint       max_parallel)
{
  CmtdAtlassian *self = g_object_new (CMTD_TYPE_ATLASSIAN, NULL);

  if (api_base_url == NULL)
    api_base_url = g_getenv ("CMATOKEN_API_BASE_URL");
  if (api_base_url != NULL && *api_base_url != '\0' && !api_base_is_loopback (api_base_url))
    {
      /* The admin's API token goes there: only to Atlassian, or to a test
       * server on this machine. */
      g_warning ("CMATOKEN_API_BASE_URL is ignored: it is honoured only for a loopback URL (tests, demos); using %s",
                 DEFAULT_API_BASE_URL);
      api_base_url = NULL;
    }
  if (api_base_url == NULL || *api_base_url == '\0')
    api_base_url = DEFAULT_API_BASE_URL;

  self->api_base_url = g_strdup (api_base_url);
  self->max_parallel = MAX (max_parallel, 1);
  self->max_per_host = MAX (self->max_parallel / 2, 1);
  self->timeout = read_timeout ();
  self->session = soup_session_new_with_options ("timeout", self->timeout,
                                                 "idle-timeout", self->timeout,
                                                 "max-conns", 16,
                                                 "max-conns-per-host", 8,
                                                 "user-agent", "cmatoken/" CMT_VERSION,
                                                 NULL);
  /* We set Authorization ourselves; the auth manager would only get in the way. */
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_AUTH_MANAGER);
  return self;
}
