/* fake-server.c: answers like api.atlassian.com, cloud sites and Jira/Confluence servers, with injectable faults */
#include "fake-server.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <libsoup/soup.h>

#define HUGE_CHUNK_SIZE (1024 * 1024)
#define HUGE_CHUNKS 64
#define SAVE_FAILED "Exception in saving token."

/* A 5-minute auth token, as api.atlassian.com issues it. */
typedef struct {
  FakeSite *site;
  char     *email;
  gint64    issued_us;          /* monotonic */
} AuthToken;

typedef struct {
  char *cloud_url;
  char *saved_at;
  char *email;
} Hold;

typedef struct {
  GPtrArray *holds;             /* Hold */
  guint      save_requests;
} ServerState;

/* What a request asked for, once its path is understood. */
typedef struct {
  FakeEndpoint   endpoint;
  FakeSite      *site;          /* cloud-myself */
  FakeServerDef *server;        /* server-myself, save */
  gboolean       wiki;          /* cloud-myself through /wiki */
} Route;

/* A request held back by a delay fault. */
typedef struct {
  FakeServer        *self;
  SoupServerMessage *msg;
  Route              route;
  FakeFault          action;    /* target unused */
  guint              source_id;
  gulong             finished_id;
} Pending;

struct _FakeServer
{
  GObject       parent_instance;

  FakeScenario *scenario;
  gboolean      verbose;
  SoupServer   *soup;
  char         *base_url;

  GHashTable   *tokens;         /* token → AuthToken */
  GHashTable   *server_states;  /* server name → ServerState */
  guint         requests[FAKE_N_ENDPOINTS];
  guint         gateway_requests;   /* api.atlassian.com/ex/{product}/{cloudId}/… */
  guint         tokens_issued;
  GList        *pending;        /* Pending */
  gint64        last_purge_us;
};

G_DEFINE_TYPE (FakeServer, fake_server, G_TYPE_OBJECT)

static void respond (FakeServer        *self,
                     SoupServerMessage *msg,
                     const Route       *route,
                     const FakeFault   *action);

static void
auth_token_free (AuthToken *token)
{
  g_free (token->email);
  g_free (token);
}

static void
hold_free (Hold *hold)
{
  g_free (hold->cloud_url);
  g_free (hold->saved_at);
  g_free (hold->email);
  g_free (hold);
}

static void
server_state_free (ServerState *state)
{
  g_ptr_array_unref (state->holds);
  g_free (state);
}

/* ---- replies ---------------------------------------------------------- */

static void
reply_take (SoupServerMessage *msg,
            guint              status,
            const char        *content_type,
            char              *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
reply_node (SoupServerMessage *msg,
            guint              status,
            JsonNode          *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  reply_take (msg, status, "application/json", json_generator_to_data (generator, NULL));
  json_node_unref (node);
}

static void
reply_builder (SoupServerMessage *msg,
               guint              status,
               JsonBuilder       *builder)
{
  reply_node (msg, status, json_builder_get_root (builder));
}

/* api.atlassian.com and cloud sites answer errors as {"code", "message"}. */
static void
reply_cloud_error (SoupServerMessage *msg,
                   guint              status,
                   const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  reply_builder (msg, status, builder);
}

/* Jira and Confluence answer errors as {"errorMessages": [...], "errors": {}}. */
static void
reply_server_error (SoupServerMessage *msg,
                    guint              status,
                    const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "errorMessages");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, message);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "errors");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  reply_builder (msg, status, builder);
}

static gboolean
require_method (SoupServerMessage *msg,
                const char        *method)
{
  if (g_str_equal (soup_server_message_get_method (msg), method))
    return TRUE;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", method);
  reply_cloud_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed");
  return FALSE;
}

/* ---- requests ----------------------------------------------------------- */

static const char *
authorization (SoupServerMessage *msg,
               const char        *scheme)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  gsize len = strlen (scheme);

  if (header == NULL || g_ascii_strncasecmp (header, scheme, len) != 0 || header[len] != ' ')
    return NULL;
  header += len;
  while (*header == ' ')
    header++;
  return header;
}

static gboolean
basic_credentials (SoupServerMessage  *msg,
                   char              **user,
                   char              **password)
{
  const char *encoded = authorization (msg, "Basic");
  g_autofree guchar *raw = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  char *colon;

  if (encoded == NULL || *encoded == '\0')
    return FALSE;
  raw = g_base64_decode (encoded, &len);
  if (raw == NULL || memchr (raw, '\0', len) != NULL)
    return FALSE;
  text = g_strndup ((const char *) raw, len);
  if (!g_utf8_validate (text, -1, NULL) || (colon = strchr (text, ':')) == NULL)
    return FALSE;
  *colon = '\0';
  *user = g_strdup (text);
  *password = g_strdup (colon + 1);
  return TRUE;
}

/* The body as a JSON object, or NULL with the reason when it is not. */
static JsonObject *
json_body (SoupServerMessage  *msg,
           JsonParser         *parser,
           const char        **problem)
{
  const char *type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);
  g_autoptr(GBytes) body = NULL;
  JsonNode *root;
  gsize len;
  const char *data;

  if (type == NULL || g_ascii_strcasecmp (type, "application/json") != 0)
    {
      *problem = "Content-Type must be application/json";
      return NULL;
    }
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  data = g_bytes_get_data (body, &len);
  if (len == 0 || !json_parser_load_from_data (parser, data, len, NULL))
    {
      *problem = "The request body is not valid JSON";
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      *problem = "The request body must be a JSON object";
      return NULL;
    }
  return json_node_get_object (root);
}

static const char *
string_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static char *
site_url (FakeServer *self,
          FakeSite   *site)
{
  return g_strdup_printf ("%s/site/%s", self->base_url, site->name);
}

/* A client may normalise the URL it was given (case, trailing slash). */
static FakeSite *
site_for_cloud_url (FakeServer *self,
                    const char *cloud_url)
{
  g_autofree char *prefix = g_strdup_printf ("%s/site/", self->base_url);
  g_autofree char *name = NULL;
  gsize len = strlen (prefix);

  if (cloud_url == NULL || g_ascii_strncasecmp (cloud_url, prefix, len) != 0)
    return NULL;
  name = g_strdup (cloud_url + len);
  if (g_str_has_suffix (name, "/"))
    name[strlen (name) - 1] = '\0';
  return fake_scenario_find_site (self->scenario, name);
}

static FakeCloudUser *
find_cloud_user (FakeSite   *site,
                 const char *email)
{
  for (guint i = 0; i < site->users->len; i++)
    {
      FakeCloudUser *user = site->users->pdata[i];

      if (g_ascii_strcasecmp (user->email, email) == 0)
        return user;
    }
  return NULL;
}

static FakeCloudUser *
cloud_auth (SoupServerMessage *msg,
            FakeSite          *site)
{
  g_autofree char *email = NULL;
  g_autofree char *api_token = NULL;
  FakeCloudUser *user;

  if (!basic_credentials (msg, &email, &api_token))
    return NULL;
  user = find_cloud_user (site, email);
  if (user == NULL || !g_str_equal (user->api_token, api_token))
    return NULL;
  return user;
}

/* A PAT authenticates as the server's first user, or as "admin" without users. */
static gboolean
server_auth (SoupServerMessage  *msg,
             FakeServerDef      *server,
             const char        **name,
             const char        **display_name)
{
  const char *bearer = authorization (msg, "Bearer");
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;

  if (bearer != NULL)
    {
      for (guint i = 0; i < server->pats->len; i++)
        if (g_str_equal (server->pats->pdata[i], bearer))
          {
            FakeServerUser *first = server->users->len > 0 ? server->users->pdata[0] : NULL;

            *name = first != NULL ? first->username : "admin";
            *display_name = first != NULL ? first->display_name : "Administrator";
            return TRUE;
          }
      return FALSE;
    }

  if (!basic_credentials (msg, &username, &password))
    return FALSE;
  for (guint i = 0; i < server->users->len; i++)
    {
      FakeServerUser *user = server->users->pdata[i];

      if (g_str_equal (user->username, username) && g_str_equal (user->password, password))
        {
          *name = user->username;
          *display_name = user->display_name;
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- the Atlassian endpoints ------------------------------------------- */

static char *
random_token (void)
{
  guint8 bytes[32];
  gsize got = 0;
  GString *token = g_string_sized_new (2 * sizeof bytes);

  while (got < sizeof bytes)
    {
      gssize n = getrandom (bytes + got, sizeof bytes - got, 0);

      if (n < 0)
        g_error ("getrandom failed: %s", g_strerror (errno));
      got += n;
    }
  for (gsize i = 0; i < sizeof bytes; i++)
    g_string_append_printf (token, "%02x", bytes[i]);
  return g_string_free (token, FALSE);
}

static gboolean
auth_token_expired (FakeServer *self,
                    AuthToken  *token)
{
  gint64 age_us = g_get_monotonic_time () - token->issued_us;

  return age_us >= self->scenario->auth_token_lifetime_seconds * G_USEC_PER_SEC;
}

/* At most once a second, so a benchmark issuing thousands of tokens stays linear. */
static void
forget_expired_tokens (FakeServer *self)
{
  GHashTableIter iter;
  AuthToken *token;
  gint64 now = g_get_monotonic_time ();

  if (now - self->last_purge_us < G_USEC_PER_SEC)
    return;
  self->last_purge_us = now;
  g_hash_table_iter_init (&iter, self->tokens);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &token))
    if (auth_token_expired (self, token))
      g_hash_table_iter_remove (&iter);
}

static void
handle_token (FakeServer        *self,
              SoupServerMessage *msg)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *email = NULL;
  g_autofree char *api_token = NULL;
  g_autofree char *url = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *uuid = NULL;
  const char *problem = NULL;
  JsonObject *body;
  FakeSite *site;
  FakeCloudUser *user;
  AuthToken *token;
  char *secret;

  if (!require_method (msg, SOUP_METHOD_POST))
    return;
  if (!basic_credentials (msg, &email, &api_token))
    {
      reply_cloud_error (msg, SOUP_STATUS_UNAUTHORIZED, "Unauthorized");
      return;
    }
  if ((body = json_body (msg, parser, &problem)) == NULL)
    {
      reply_cloud_error (msg, SOUP_STATUS_BAD_REQUEST, problem);
      return;
    }
  if (string_member (body, "cloudUrl") == NULL)
    {
      reply_cloud_error (msg, SOUP_STATUS_BAD_REQUEST, "cloudUrl is required");
      return;
    }
  if ((site = site_for_cloud_url (self, string_member (body, "cloudUrl"))) == NULL)
    {
      reply_cloud_error (msg, SOUP_STATUS_BAD_REQUEST, "cloudUrl is not a known cloud site");
      return;
    }
  user = find_cloud_user (site, email);
  if (user == NULL || !g_str_equal (user->api_token, api_token))
    {
      reply_cloud_error (msg, SOUP_STATUS_UNAUTHORIZED, "Unauthorized");
      return;
    }
  /* Whether the Migration API takes scoped tokens is not documented: the
   * fake assumes the worse. */
  if (user->scoped)
    {
      reply_cloud_error (msg, SOUP_STATUS_UNAUTHORIZED, "Unauthorized; scope does not match");
      return;
    }
  if (!user->site_admin)
    {
      reply_cloud_error (msg, SOUP_STATUS_FORBIDDEN, "The user is not an admin of this site");
      return;
    }

  forget_expired_tokens (self);
  secret = random_token ();
  token = g_new0 (AuthToken, 1);
  token->site = site;
  token->email = g_strdup (user->email);
  token->issued_us = g_get_monotonic_time ();
  g_hash_table_insert (self->tokens, secret, token);
  self->tokens_issued++;

  url = site_url (self, site);
  uuid = g_uuid_string_random ();
  uri = g_strdup_printf ("%s/api/migrations/public/v1/token/%s", self->base_url, uuid);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "uri");
  json_builder_add_string_value (builder, uri);
  json_builder_set_member_name (builder, "cloudUrl");
  json_builder_add_string_value (builder, url);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, secret);
  json_builder_end_object (builder);
  reply_builder (msg, SOUP_STATUS_OK, builder);
}

/* A site's cloudId: a UUID of its name. */
static char *
cloud_id (const FakeSite *site)
{
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, site->name, -1);

  return g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", sum, sum + 8, sum + 12, sum + 16, sum + 20);
}

static FakeSite *
site_for_cloud_id (FakeServer *self,
                   const char *id)
{
  for (guint i = 0; i < self->scenario->sites->len; i++)
    {
      FakeSite *site = self->scenario->sites->pdata[i];
      g_autofree char *its = cloud_id (site);

      if (g_str_equal (its, id))
        return site;
    }
  return NULL;
}

static void handle_cloud_myself (FakeServer *self, SoupServerMessage *msg, FakeSite *site,
                                 gboolean wiki, gboolean gateway);

/* GET {site}/_edge/tenant_info (no credential needed) and the gateway's
 * /api/ex/jira/{cloudId}/rest/api/3/myself and
 * /api/ex/confluence/{cloudId}/wiki/rest/api/user/current (/api: the API root). */
static gboolean
handle_gateway (FakeServer        *self,
                SoupServerMessage *msg,
                const char        *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", 0);
  guint n = g_strv_length (parts);

  /* "", "site", NAME, "_edge", "tenant_info" */
  if (n == 5 && g_str_equal (parts[1], "site") && g_str_equal (parts[3], "_edge") &&
      g_str_equal (parts[4], "tenant_info"))
    {
      FakeSite *site = fake_scenario_find_site (self->scenario, parts[2]);
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree char *id = NULL;

      if (site == NULL)
        return FALSE;
      id = cloud_id (site);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "cloudId");
      json_builder_add_string_value (builder, id);
      json_builder_end_object (builder);
      reply_builder (msg, SOUP_STATUS_OK, builder);
      return TRUE;
    }
  /* Under the API root (/api, as api.atlassian.com):
   * "", "api", "ex", "jira", ID, "rest", "api", "3", "myself" or
   * "", "api", "ex", "confluence", ID, "wiki", "rest", "api", "user", "current" */
  if (n >= 5 && g_str_equal (parts[1], "api") && g_str_equal (parts[2], "ex"))
    {
      FakeSite *site = site_for_cloud_id (self, parts[4]);
      g_autofree char *rest = n > 5 ? g_strjoinv ("/", parts + 5) : g_strdup ("");
      gboolean wiki = g_str_equal (parts[3], "confluence") && g_str_equal (rest, "wiki/rest/api/user/current");

      if (site == NULL ||
          !(wiki || (g_str_equal (parts[3], "jira") && g_str_equal (rest, "rest/api/3/myself"))))
        return FALSE;
      self->gateway_requests++;
      handle_cloud_myself (self, msg, site, wiki, TRUE);
      return TRUE;
    }
  return FALSE;
}

static char *
account_id (const char *email)
{
  g_autofree char *lower = g_ascii_strdown (email, -1);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, lower, -1);

  return g_strndup (sum, 24);
}

static void
handle_cloud_myself (FakeServer        *self,
                     SoupServerMessage *msg,
                     FakeSite          *site,
                     gboolean           wiki,
                     gboolean           gateway)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *id = NULL;
  FakeCloudUser *user;

  if (!require_method (msg, SOUP_METHOD_GET))
    return;
  if (!wiki && site->confluence_only)
    {
      reply_cloud_error (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
  if ((user = cloud_auth (msg, site)) == NULL || (user->scoped && !gateway))
    {
      reply_cloud_error (msg, SOUP_STATUS_UNAUTHORIZED, "Client must be authenticated to access this resource.");
      return;
    }

  id = account_id (user->email);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "accountId");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "emailAddress");
  json_builder_add_string_value (builder, user->email);
  json_builder_set_member_name (builder, "displayName");
  json_builder_add_string_value (builder, user->display_name);
  json_builder_end_object (builder);
  reply_builder (msg, SOUP_STATUS_OK, builder);
}

static void
handle_server_myself (FakeServer        *self,
                      SoupServerMessage *msg,
                      FakeServerDef     *server)
{
  g_autoptr(JsonBuilder) builder = NULL;
  const char *name, *display_name;

  if (!require_method (msg, SOUP_METHOD_GET))
    return;
  if (!server_auth (msg, server, &name, &display_name))
    {
      reply_server_error (msg, SOUP_STATUS_UNAUTHORIZED, "You are not authenticated.");
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "displayName");
  json_builder_add_string_value (builder, display_name);
  json_builder_end_object (builder);
  reply_builder (msg, SOUP_STATUS_OK, builder);
}

static void
handle_save (FakeServer        *self,
             SoupServerMessage *msg,
             FakeServerDef     *server)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *url = NULL;
  ServerState *state = g_hash_table_lookup (self->server_states, server->name);
  const char *name, *display_name, *problem = NULL;
  const char *cloud_url, *secret;
  JsonObject *body;
  AuthToken *token;
  Hold *hold = NULL;

  if (!require_method (msg, SOUP_METHOD_POST))
    return;
  if (!server_auth (msg, server, &name, &display_name))
    {
      reply_server_error (msg, SOUP_STATUS_UNAUTHORIZED, "You are not authenticated.");
      return;
    }
  if (!server->migration_api)
    {
      reply_server_error (msg, SOUP_STATUS_NOT_FOUND, "Null for uri: /rest/migration/latest/cloud/save/token");
      return;
    }
  if ((body = json_body (msg, parser, &problem)) == NULL)
    {
      reply_server_error (msg, SOUP_STATUS_BAD_REQUEST, problem);
      return;
    }
  cloud_url = string_member (body, "cloudUrl");
  secret = string_member (body, "token");
  if (cloud_url == NULL || secret == NULL)
    {
      reply_server_error (msg, SOUP_STATUS_BAD_REQUEST, "cloudUrl and token are required");
      return;
    }

  token = g_hash_table_lookup (self->tokens, secret);
  if (token == NULL || auth_token_expired (self, token) ||
      site_for_cloud_url (self, cloud_url) != token->site)
    {
      reply_take (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain", g_strdup (SAVE_FAILED));
      return;
    }

  url = site_url (self, token->site);
  for (guint i = 0; i < state->holds->len; i++)
    if (g_str_equal (((Hold *) state->holds->pdata[i])->cloud_url, url))
      hold = state->holds->pdata[i];
  if (hold == NULL)
    {
      hold = g_new0 (Hold, 1);
      hold->cloud_url = g_strdup (url);
      g_ptr_array_add (state->holds, hold);
    }
  now = g_date_time_new_now_utc ();
  g_free (hold->saved_at);
  hold->saved_at = g_date_time_format_iso8601 (now);
  g_free (hold->email);
  hold->email = g_strdup (token->email);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cloudUrl");
  json_builder_add_string_value (builder, url);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, "Token saved successfully.");
  json_builder_end_object (builder);
  reply_builder (msg, SOUP_STATUS_OK, builder);
}

/* ---- faults ------------------------------------------------------------- */

/* The site or server a request is about, for a fault's "target". */
static const char *
route_target (FakeServer        *self,
              SoupServerMessage *msg,
              const Route       *route)
{
  if (route->site != NULL)
    return route->site->name;
  if (route->server != NULL)
    return route->server->name;
  if (route->endpoint == FAKE_ENDPOINT_TOKEN)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *problem;
      JsonObject *body = json_body (msg, parser, &problem);
      FakeSite *site = body != NULL ? site_for_cloud_url (self, string_member (body, "cloudUrl")) : NULL;

      return site != NULL ? site->name : NULL;
    }
  return NULL;
}

/* Consumes one use of the first fault that applies, copying what it does. */
static gboolean
take_fault (FakeServer        *self,
            SoupServerMessage *msg,
            const Route       *route,
            FakeFault         *action)
{
  GPtrArray *faults = self->scenario->faults;

  for (guint i = 0; i < faults->len; i++)
    {
      FakeFault *fault = faults->pdata[i];

      if (fault->endpoint != FAKE_ENDPOINT_ANY && fault->endpoint != route->endpoint)
        continue;
      if (fault->target != NULL &&
          g_strcmp0 (fault->target, route_target (self, msg, route)) != 0)
        continue;

      *action = *fault;
      action->target = NULL;
      if (fault->count > 0 && --fault->count == 0)
        g_ptr_array_remove_index (faults, i);
      return TRUE;
    }
  return FALSE;
}

typedef struct {
  GBytes *chunk;
  guint   sent;
} HugeBody;

static void
huge_body_free (HugeBody *huge)
{
  g_bytes_unref (huge->chunk);
  g_free (huge);
}

/* Feeds the next chunk only once the previous one is written, so 64 MiB
 * never sit in memory. */
static void
huge_wrote_chunk (SoupServerMessage *msg,
                  HugeBody          *huge)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  if (huge->sent < HUGE_CHUNKS)
    {
      soup_message_body_append_bytes (body, huge->chunk);
      huge->sent++;
    }
  else if (huge->sent == HUGE_CHUNKS)
    {
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "\"}", 2);
      huge->sent++;
    }
  else
    soup_message_body_complete (body);
}

static void
reply_huge (SoupServerMessage *msg,
            guint              status)
{
  HugeBody *huge = g_new0 (HugeBody, 1);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  char *filler = g_malloc (HUGE_CHUNK_SIZE);

  memset (filler, 'a', HUGE_CHUNK_SIZE);
  huge->chunk = g_bytes_new_take (filler, HUGE_CHUNK_SIZE);
  g_object_set_data_full (G_OBJECT (msg), "fake-huge-body", huge, (GDestroyNotify) huge_body_free);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_set_content_type (headers, "application/json", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (body, FALSE);
  /* Valid JSON in the end: a client must refuse it for its size. */
  soup_message_body_append (body, SOUP_MEMORY_STATIC, "{\"padding\":\"", 12);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (huge_wrote_chunk), huge);
}

/* A server that answers a byte every half second: never idle, never done. */
#define DRIP_INTERVAL_MS 500
#define DRIP_BYTES       7200

typedef struct {
  SoupServerMessage *msg;       /* not owned: the drip lives as its data */
  guint              source_id;
  guint              sent;
} Drip;

static void
drip_free (Drip *drip)
{
  g_clear_handle_id (&drip->source_id, g_source_remove);
  g_free (drip);
}

static gboolean
drip_next (gpointer user_data)
{
  Drip *drip = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (drip->msg);

  if (++drip->sent < DRIP_BYTES)
    soup_message_body_append (body, SOUP_MEMORY_STATIC, " ", 1);
  else
    {
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "}", 1);
      soup_message_body_complete (body);
      drip->source_id = 0;
    }
  soup_server_message_unpause (drip->msg);
  return drip->source_id != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
drip_stop (SoupServerMessage *msg)
{
  Drip *drip = g_object_get_data (G_OBJECT (msg), "fake-drip");

  if (drip != NULL)
    g_clear_handle_id (&drip->source_id, g_source_remove);
}

static void
reply_drip (SoupServerMessage *msg)
{
  Drip *drip = g_new0 (Drip, 1);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  drip->msg = msg;
  g_object_set_data_full (G_OBJECT (msg), "fake-drip", drip, (GDestroyNotify) drip_free);
  g_signal_connect (msg, "finished", G_CALLBACK (drip_stop), NULL);
  g_signal_connect (msg, "disconnected", G_CALLBACK (drip_stop), NULL);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (headers, "application/json", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_append (body, SOUP_MEMORY_STATIC, "{", 1);
  drip->source_id = g_timeout_add (DRIP_INTERVAL_MS, drip_next, drip);
}

static void
drop_connection (SoupServerMessage *msg)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

static void
respond (FakeServer        *self,
         SoupServerMessage *msg,
         const Route       *route,
         const FakeFault   *action)
{
  if (action != NULL && action->drop)
    {
      drop_connection (msg);
      return;
    }
  if (action != NULL && action->location[0] != '\0')
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Location", action->location);
  if (action != NULL && action->retry_after[0] != '\0')
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Retry-After", action->retry_after);
  if (action != NULL && action->body == FAKE_BODY_DRIP)
    {
      reply_drip (msg);
      return;
    }
  if (action != NULL && action->body == FAKE_BODY_HUGE)
    {
      reply_huge (msg, action->status != 0 ? action->status : SOUP_STATUS_OK);
      return;
    }
  if (action != NULL && action->body == FAKE_BODY_MALFORMED)
    {
      reply_take (msg, action->status != 0 ? action->status : SOUP_STATUS_OK, "application/json",
                  g_strdup ("{\"cloudUrl\": \"http://127.0.0.1/\", \"token\": \"abc"));
      return;
    }
  if (action != NULL && action->body != FAKE_BODY_NONE)
    {
      guint status = action->status != 0 ? action->status : SOUP_STATUS_OK;
      switch (action->body)
        {
        case FAKE_BODY_EMPTY_OBJECT:
          reply_take (msg, status, "application/json", g_strdup ("{}"));
          return;
        case FAKE_BODY_NOT_LOGGED_IN:
          reply_take (msg, status, "application/json",
                      g_strdup ("{\"errorMessages\":[\"You are not logged in\"],\"errors\":{}}"));
          return;
        case FAKE_BODY_LOGIN_HTML:
          reply_take (msg, status, "text/html;charset=UTF-8",
                      g_strdup ("<!DOCTYPE html><html><head><title>Log in - Single sign-on</title></head>"
                                "<body><form action=\"/login.jsp\" method=\"post\">"
                                "<input name=\"os_username\"><input name=\"os_password\" type=\"password\">"
                                "</form></body></html>"));
          return;
        case FAKE_BODY_WRONG_CLOUD_URL:
          reply_take (msg, status, "application/json",
                      g_strdup ("{\"cloudUrl\":\"https://someone-else.atlassian.net\","
                                "\"token\":\"0123456789abcdef\","
                                "\"message\":\"Token saved successfully\"}"));
          return;
        case FAKE_BODY_CONTROL_TOKEN:
          reply_take (msg, status, "application/json",
                      g_strdup ("{\"token\":\"abc\\u0007def\"}"));
          return;
        case FAKE_BODY_ANONYMOUS:
          /* What Confluence Data Center answers /rest/api/user/current
           * when the credentials are wrong or were not passed through. */
          reply_take (msg, status, "application/json",
                      g_strdup ("{\"type\":\"anonymous\",\"profilePicture\":{\"path\":"
                                "\"/images/icons/profilepics/anonymous.svg\",\"width\":48,"
                                "\"height\":48,\"isDefault\":true},\"displayName\":\"Anonymous\","
                                "\"_links\":{\"self\":\"http://127.0.0.1\"}}"));
          return;
        case FAKE_BODY_SERAPH_FAILED:
          /* Jira's Seraph: a failed login, answered as the anonymous user. */
          soup_message_headers_append (soup_server_message_get_response_headers (msg),
                                       "X-Seraph-LoginReason", "AUTHENTICATED_FAILED");
          reply_take (msg, status, "application/json",
                      g_strdup ("{\"errorMessages\":[\"You are not authenticated. Authentication required to perform this operation.\"],\"errors\":{}}"));
          return;
        case FAKE_BODY_SERAPH_CAPTCHA:
          soup_message_headers_append (soup_server_message_get_response_headers (msg),
                                       "X-Seraph-LoginReason", "AUTHENTICATION_DENIED");
          soup_message_headers_append (soup_server_message_get_response_headers (msg),
                                       "X-Authentication-Denied-Reason",
                                       "CAPTCHA_CHALLENGE; login-url=http://127.0.0.1/login.jsp");
          reply_take (msg, status, "application/json",
                      g_strdup ("{\"errorMessages\":[\"CAPTCHA_CHALLENGE\"],\"errors\":{}}"));
          return;
        case FAKE_BODY_BASIC_DISABLED:
          reply_take (msg, action->status != 0 ? action->status : SOUP_STATUS_FORBIDDEN,
                      "application/json",
                      g_strdup ("{\"message\":\"Basic Authentication has been disabled on this instance.\"}"));
          return;
        case FAKE_BODY_TOMCAT_500:
          reply_take (msg, action->status != 0 ? action->status : SOUP_STATUS_INTERNAL_SERVER_ERROR,
                      "text/html;charset=utf-8",
                      g_strdup ("<!doctype html><html lang=\"en\"><head><title>HTTP Status 500 – Internal Server Error</title></head>"
                                "<body><h1>HTTP Status 500 – Internal Server Error</h1><hr class=\"line\" />"
                                "<p><b>Type</b> Exception Report</p><h3>Apache Tomcat/9.0.75</h3></body></html>"));
          return;
        case FAKE_BODY_ERROR_MESSAGES:
          reply_take (msg, status, "application/json",
                      g_strdup ("{\"errorMessages\":[\"The cloud site is being\\u0007 migrated \\u2014 try again in a while\"],\"errors\":{}}"));
          return;
        case FAKE_BODY_NONE:
        case FAKE_BODY_MALFORMED:
        case FAKE_BODY_HUGE:
        case FAKE_BODY_DRIP:
        default:
          break;
        }
    }
  if (action != NULL && action->status == SOUP_STATUS_INTERNAL_SERVER_ERROR &&
      route->endpoint == FAKE_ENDPOINT_SAVE)
    {
      /* What the assistant answers when it does not take the token. */
      reply_take (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain", g_strdup (SAVE_FAILED));
      return;
    }
  if (action != NULL && action->status != 0)
    {
      reply_cloud_error (msg, action->status, "Fault injected by the fake Atlassian");
      return;
    }

  switch (route->endpoint)
    {
    case FAKE_ENDPOINT_TOKEN:
      handle_token (self, msg);
      break;
    case FAKE_ENDPOINT_CLOUD_MYSELF:
      handle_cloud_myself (self, msg, route->site, route->wiki, FALSE);
      break;
    case FAKE_ENDPOINT_SERVER_MYSELF:
      handle_server_myself (self, msg, route->server);
      break;
    case FAKE_ENDPOINT_SAVE:
      handle_save (self, msg, route->server);
      break;
    case FAKE_N_ENDPOINTS:
    default:
      g_assert_not_reached ();
    }
}

static void
pending_free (Pending *pending)
{
  g_clear_handle_id (&pending->source_id, g_source_remove);
  g_clear_signal_handler (&pending->finished_id, pending->msg);
  g_object_unref (pending->msg);
  g_free (pending);
}

static void
pending_fire (gpointer data)
{
  Pending *pending = data;
  FakeServer *self = pending->self;
  g_autoptr(SoupServerMessage) msg = g_object_ref (pending->msg);
  Route route = pending->route;
  FakeFault action = pending->action;

  /* Freed first: answering may finish the message at once. */
  pending->source_id = 0;
  self->pending = g_list_remove (self->pending, pending);
  pending_free (pending);

  soup_server_message_unpause (msg);
  respond (self, msg, &route, &action);
  if (self->verbose)
    g_printerr ("fake-atlassian: %s %s: %s after a delay\n", soup_server_message_get_method (msg),
                g_uri_get_path (soup_server_message_get_uri (msg)),
                action.drop ? "dropped" : action.body == FAKE_BODY_HUGE ? "huge body" : "answered");
}

/* The client went away during the delay. */
static void
pending_finished (SoupServerMessage *msg,
                  Pending           *pending)
{
  pending->self->pending = g_list_remove (pending->self->pending, pending);
  pending_free (pending);
}

static void
delay (FakeServer        *self,
       SoupServerMessage *msg,
       const Route       *route,
       const FakeFault   *action)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->self = self;
  pending->msg = g_object_ref (msg);
  pending->route = *route;
  pending->action = *action;
  pending->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (pending_finished), pending);
  pending->source_id = g_timeout_add_once (action->delay_ms, pending_fire, pending);
  self->pending = g_list_prepend (self->pending, pending);
  soup_server_message_pause (msg);
}

/* ---- control endpoints -------------------------------------------------- */

static void
reply_ok (SoupServerMessage *msg)
{
  reply_take (msg, SOUP_STATUS_OK, "application/json", g_strdup ("{\"ok\": true}"));
}

static void
handle_state (FakeServer        *self,
              SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (!require_method (msg, SOUP_METHOD_GET))
    return;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "servers");
  json_builder_begin_object (builder);
  for (guint i = 0; i < self->scenario->servers->len; i++)
    {
      FakeServerDef *server = self->scenario->servers->pdata[i];
      ServerState *state = g_hash_table_lookup (self->server_states, server->name);

      json_builder_set_member_name (builder, server->name);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "holds");
      json_builder_begin_array (builder);
      for (guint j = 0; j < state->holds->len; j++)
        {
          Hold *hold = state->holds->pdata[j];

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "cloudUrl");
          json_builder_add_string_value (builder, hold->cloud_url);
          json_builder_set_member_name (builder, "saved_at");
          json_builder_add_string_value (builder, hold->saved_at);
          json_builder_set_member_name (builder, "email");
          json_builder_add_string_value (builder, hold->email);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "save_requests");
      json_builder_add_int_value (builder, state->save_requests);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "token_requests");
  json_builder_add_int_value (builder, self->requests[FAKE_ENDPOINT_TOKEN]);
  json_builder_set_member_name (builder, "requests");
  json_builder_begin_object (builder);
  for (guint i = 0; i < FAKE_N_ENDPOINTS; i++)
    {
      json_builder_set_member_name (builder, fake_endpoint_to_string (i));
      json_builder_add_int_value (builder, self->requests[i]);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "tokens_issued");
  json_builder_add_int_value (builder, self->tokens_issued);
  json_builder_set_member_name (builder, "gateway_requests");
  json_builder_add_int_value (builder, self->gateway_requests);
  json_builder_end_object (builder);
  reply_builder (msg, SOUP_STATUS_OK, builder);
}

/* The body as JSON whatever its Content-Type: control requests come from tests. */
static JsonNode *
control_body (SoupServerMessage *msg,
              JsonParser        *parser)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  g_autoptr(GError) error = NULL;

  if (len == 0 || !json_parser_load_from_data (parser, data, len, &error))
    {
      reply_cloud_error (msg, SOUP_STATUS_BAD_REQUEST, "The request body is not valid JSON");
      return NULL;
    }
  return json_parser_get_root (parser);
}

static void
handle_faults (FakeServer        *self,
               SoupServerMessage *msg)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_fault_free);
  g_autoptr(GError) error = NULL;
  const char *method = soup_server_message_get_method (msg);
  JsonNode *root;

  if (g_str_equal (method, SOUP_METHOD_DELETE))
    {
      g_ptr_array_set_size (self->scenario->faults, 0);
      reply_ok (msg);
      return;
    }
  if (!g_str_equal (method, SOUP_METHOD_POST))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST, DELETE");
      reply_cloud_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed");
      return;
    }
  if ((root = control_body (msg, parser)) == NULL)
    return;

  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *where = g_strdup_printf ("faults[%u]", i);
          FakeFault *fault = fake_fault_from_node (json_array_get_element (array, i), where, &error);

          if (fault == NULL)
            break;
          g_ptr_array_add (added, fault);
        }
    }
  else
    {
      FakeFault *fault = fake_fault_from_node (root, "fault", &error);

      if (fault != NULL)
        g_ptr_array_add (added, fault);
    }
  if (error != NULL)
    {
      reply_cloud_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return;
    }

  for (guint i = 0; i < added->len; i++)
    g_ptr_array_add (self->scenario->faults, g_steal_pointer (&added->pdata[i]));
  g_ptr_array_set_free_func (added, NULL);
  reply_ok (msg);
}

static void
handle_add_user (FakeServer        *self,
                 SoupServerMessage *msg,
                 const char        *site_name)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(FakeCloudUser) user = NULL;
  g_autoptr(GError) error = NULL;
  FakeSite *site = fake_scenario_find_site (self->scenario, site_name);
  JsonNode *root;

  if (!require_method (msg, SOUP_METHOD_POST))
    return;
  if (site == NULL)
    {
      reply_cloud_error (msg, SOUP_STATUS_NOT_FOUND, "No such site");
      return;
    }
  if ((root = control_body (msg, parser)) == NULL)
    return;
  if ((user = fake_cloud_user_from_node (root, "user", &error)) == NULL)
    {
      reply_cloud_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return;
    }

  for (guint i = 0; i < site->users->len; i++)
    if (g_ascii_strcasecmp (((FakeCloudUser *) site->users->pdata[i])->email, user->email) == 0)
      {
        g_ptr_array_remove_index (site->users, i);
        break;
      }
  g_ptr_array_add (site->users, g_steal_pointer (&user));
  reply_ok (msg);
}

static void
reset (FakeServer *self)
{
  GHashTableIter iter;
  ServerState *state;

  g_hash_table_iter_init (&iter, self->server_states);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    {
      g_ptr_array_set_size (state->holds, 0);
      state->save_requests = 0;
    }
  memset (self->requests, 0, sizeof self->requests);
  self->tokens_issued = 0;
  self->gateway_requests = 0;
  g_ptr_array_set_size (self->scenario->faults, 0);
}

static void
handle_control (FakeServer        *self,
                SoupServerMessage *msg,
                const char        *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  if (g_str_equal (path, "state"))
    handle_state (self, msg);
  else if (g_str_equal (path, "faults"))
    handle_faults (self, msg);
  else if (g_str_equal (path, "reset"))
    {
      if (require_method (msg, SOUP_METHOD_POST))
        {
          reset (self);
          reply_ok (msg);
        }
    }
  else if (g_strv_length (parts) == 3 && g_str_equal (parts[0], "sites") && g_str_equal (parts[2], "users"))
    handle_add_user (self, msg, parts[1]);
  else
    reply_cloud_error (msg, SOUP_STATUS_NOT_FOUND, "No such control endpoint");
}

/* ---- routing ------------------------------------------------------------ */

static gboolean
parse_route (FakeServer *self,
             const char *path,
             Route      *route)
{
  g_autofree char *name = NULL;
  const char *rest;

  memset (route, 0, sizeof *route);
  if (g_str_equal (path, "/api/migrations/public/v1/token"))
    {
      route->endpoint = FAKE_ENDPOINT_TOKEN;
      return TRUE;
    }

  if (g_str_has_prefix (path, "/site/"))
    rest = path + strlen ("/site/");
  else if (g_str_has_prefix (path, "/server/"))
    rest = path + strlen ("/server/");
  else
    return FALSE;
  if (strchr (rest, '/') == NULL)
    return FALSE;
  name = g_strndup (rest, strchr (rest, '/') - rest);
  rest = strchr (rest, '/');

  if (path[1] == 's' && path[2] == 'i')
    {
      route->endpoint = FAKE_ENDPOINT_CLOUD_MYSELF;
      if ((route->site = fake_scenario_find_site (self->scenario, name)) == NULL)
        return FALSE;
      if (g_str_equal (rest, "/wiki/rest/api/user/current"))
        route->wiki = TRUE;
      else if (!g_str_equal (rest, "/rest/api/3/myself"))
        return FALSE;
      return TRUE;
    }

  if ((route->server = fake_scenario_find_server (self->scenario, name)) == NULL)
    return FALSE;
  if (g_str_equal (rest, "/rest/migration/latest/cloud/save/token"))
    route->endpoint = FAKE_ENDPOINT_SAVE;
  else if (g_str_equal (rest, route->server->confluence ? "/rest/api/user/current" : "/rest/api/2/myself"))
    route->endpoint = FAKE_ENDPOINT_SERVER_MYSELF;
  else
    return FALSE;
  return TRUE;
}

static void
log_request (SoupServerMessage *msg,
             const char        *path,
             const char        *what)
{
  g_printerr ("fake-atlassian: %s %s: %s\n", soup_server_message_get_method (msg), path, what);
}

static void
handle_request (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  FakeServer *self = FAKE_SERVER (user_data);
  FakeFault action;
  Route route;

  if (g_str_has_prefix (path, "/_fake/"))
    {
      handle_control (self, msg, path + strlen ("/_fake/"));
      goto out;
    }
  if (handle_gateway (self, msg, path))
    goto out;
  if (!parse_route (self, path, &route))
    {
      reply_cloud_error (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      goto out;
    }

  self->requests[route.endpoint]++;
  if (route.endpoint == FAKE_ENDPOINT_SAVE)
    ((ServerState *) g_hash_table_lookup (self->server_states, route.server->name))->save_requests++;

  if (!take_fault (self, msg, &route, &action))
    respond (self, msg, &route, NULL);
  else if (action.delay_ms > 0)
    {
      if (self->verbose)
        log_request (msg, path, "delayed by a fault");
      delay (self, msg, &route, &action);
      return;
    }
  else if (action.drop)
    {
      if (self->verbose)
        log_request (msg, path, "dropped by a fault");
      respond (self, msg, &route, &action);
      return;
    }
  else
    respond (self, msg, &route, &action);

out:
  if (self->verbose)
    {
      g_autofree char *status = g_strdup_printf ("%u", soup_server_message_get_status (msg));

      log_request (msg, path, status);
    }
}

/* ---- object ------------------------------------------------------------- */

static void
fake_server_dispose (GObject *object)
{
  FakeServer *self = FAKE_SERVER (object);

  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_list_free_full (g_steal_pointer (&self->pending), (GDestroyNotify) pending_free);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (fake_server_parent_class)->dispose (object);
}

static void
fake_server_finalize (GObject *object)
{
  FakeServer *self = FAKE_SERVER (object);

  g_clear_pointer (&self->scenario, fake_scenario_free);
  g_clear_pointer (&self->tokens, g_hash_table_unref);
  g_clear_pointer (&self->server_states, g_hash_table_unref);
  g_free (self->base_url);

  G_OBJECT_CLASS (fake_server_parent_class)->finalize (object);
}

static void
fake_server_class_init (FakeServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = fake_server_dispose;
  object_class->finalize = fake_server_finalize;
}

static void
fake_server_init (FakeServer *self)
{
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) auth_token_free);
  self->server_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) server_state_free);
}

FakeServer *
fake_server_new (FakeScenario *scenario,
                 gboolean      verbose)
{
  FakeServer *self = g_object_new (FAKE_TYPE_SERVER, NULL);

  self->scenario = scenario;
  self->verbose = verbose;
  for (guint i = 0; i < scenario->servers->len; i++)
    {
      FakeServerDef *server = scenario->servers->pdata[i];
      ServerState *state = g_new0 (ServerState, 1);

      state->holds = g_ptr_array_new_with_free_func ((GDestroyNotify) hold_free);
      g_hash_table_insert (self->server_states, g_strdup (server->name), state);
    }
  return self;
}

gboolean
fake_server_listen (FakeServer  *self,
                    guint        port,
                    GError     **error)
{
  GSList *uris;

  g_return_val_if_fail (FAKE_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->soup == NULL, FALSE);

  self->soup = soup_server_new ("server-header", "fake-atlassian", NULL);
  soup_server_add_handler (self->soup, NULL, handle_request, self, NULL);
  if (!soup_server_listen_local (self->soup, port, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    return FALSE;

  uris = soup_server_get_uris (self->soup);
  g_assert (uris != NULL);
  self->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return TRUE;
}

const char *
fake_server_get_base_url (FakeServer *self)
{
  g_return_val_if_fail (FAKE_IS_SERVER (self), NULL);
  return self->base_url;
}
