/* fake-scenario.h: the fake Atlassian's world (sites, servers, faults), read from a JSON scenario */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FAKE_SCENARIO_ERROR (fake_scenario_error_quark ())
GQuark fake_scenario_error_quark (void);

typedef enum {
  FAKE_SCENARIO_ERROR_INVALID,
} FakeScenarioError;

typedef enum {
  FAKE_ENDPOINT_TOKEN,
  FAKE_ENDPOINT_CLOUD_MYSELF,
  FAKE_ENDPOINT_SERVER_MYSELF,
  FAKE_ENDPOINT_SAVE,
  FAKE_N_ENDPOINTS,
  /* Only in faults: matches every endpoint above. */
  FAKE_ENDPOINT_ANY = FAKE_N_ENDPOINTS,
} FakeEndpoint;

const char *fake_endpoint_to_string (FakeEndpoint endpoint);

typedef enum {
  FAKE_BODY_NONE,
  FAKE_BODY_MALFORMED,
  FAKE_BODY_HUGE,
  FAKE_BODY_EMPTY_OBJECT,     /* {} */
  FAKE_BODY_NOT_LOGGED_IN,    /* {"errorMessages": ["You are not logged in"]} */
  FAKE_BODY_LOGIN_HTML,       /* an SSO or proxy login page */
  FAKE_BODY_WRONG_CLOUD_URL,  /* a well-formed answer for another cloud site */
  FAKE_BODY_CONTROL_TOKEN,    /* token: an auth token with a control character */
  FAKE_BODY_DRIP,             /* 200, then one byte every half second for an hour */
  FAKE_BODY_ANONYMOUS,        /* Confluence DC's current user without valid credentials */
  FAKE_BODY_SERAPH_FAILED,    /* Jira: X-Seraph-LoginReason: AUTHENTICATED_FAILED */
  FAKE_BODY_SERAPH_CAPTCHA,   /* Jira: AUTHENTICATION_DENIED, X-Authentication-Denied-Reason */
  FAKE_BODY_BASIC_DISABLED,   /* 403: "Basic Authentication has been disabled on this instance." */
  FAKE_BODY_TOMCAT_500,       /* 500: Tomcat's HTML error page, not the assistant's answer */
  FAKE_BODY_ERROR_MESSAGES,   /* {"errorMessages": ["…"]} with the fault's status */
} FakeBody;

typedef struct {
  char     *email;
  char     *api_token;
  char     *display_name;
  gboolean  site_admin;
  gboolean  scoped;          /* a scoped API token: refused by the site, valid at the gateway */
} FakeCloudUser;

typedef struct {
  char      *name;
  gboolean   confluence_only;
  GPtrArray *users;             /* FakeCloudUser */
} FakeSite;

typedef struct {
  char *username;
  char *password;
  char *display_name;
} FakeServerUser;

typedef struct {
  char      *name;
  gboolean   confluence;        /* product: FALSE = jira */
  gboolean   migration_api;
  GPtrArray *pats;              /* char* */
  GPtrArray *users;             /* FakeServerUser */
} FakeServerDef;

typedef struct {
  FakeEndpoint  endpoint;
  char         *target;         /* NULL = every site and server */
  guint         status;         /* 0 = none */
  guint         delay_ms;
  FakeBody      body;
  gboolean      drop;
  gint64        count;          /* -1 = forever */
  /* Headers of the answer; fixed buffers, so that a copy of the action
   * owns them ("" = none). */
  char          location[512];    /* Location (with a 3xx status) */
  char          retry_after[64];  /* Retry-After (with 429 or 503) */
} FakeFault;

typedef struct {
  double     auth_token_lifetime_seconds;
  GPtrArray *sites;             /* FakeSite */
  GPtrArray *servers;           /* FakeServerDef */
  GPtrArray *faults;            /* FakeFault */
} FakeScenario;

FakeScenario  *fake_scenario_load         (const char     *path,
                                           GError        **error);
FakeScenario  *fake_scenario_from_node    (JsonNode       *node,
                                           GError        **error);
void           fake_scenario_free         (FakeScenario   *scenario);

FakeSite      *fake_scenario_find_site    (FakeScenario   *scenario,
                                           const char     *name);
FakeServerDef *fake_scenario_find_server  (FakeScenario   *scenario,
                                           const char     *name);

/* Both accept what a control request posts; @where names it in errors. */
FakeFault     *fake_fault_from_node       (JsonNode       *node,
                                           const char     *where,
                                           GError        **error);
void           fake_fault_free            (FakeFault      *fault);
FakeCloudUser *fake_cloud_user_from_node  (JsonNode       *node,
                                           const char     *where,
                                           GError        **error);
void           fake_cloud_user_free       (FakeCloudUser  *user);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeScenario, fake_scenario_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeFault, fake_fault_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeCloudUser, fake_cloud_user_free)

G_END_DECLS
