/* fake-server.h: the fake Atlassian cloud and servers behind one loopback HTTP port */
#pragma once

#include <glib-object.h>

#include "fake-scenario.h"

G_BEGIN_DECLS

#define FAKE_TYPE_SERVER (fake_server_get_type ())
G_DECLARE_FINAL_TYPE (FakeServer, fake_server, FAKE, SERVER, GObject)

/* Takes ownership of @scenario. @verbose logs one line per request on stderr
 * (method, path, status: never a header or a body, so never a secret). */
FakeServer *fake_server_new           (FakeScenario  *scenario,
                                       gboolean       verbose);

/* Binds 127.0.0.1:@port (0 = any free port); IPv4 loopback only. */
gboolean    fake_server_listen        (FakeServer    *self,
                                       guint          port,
                                       GError       **error);

/* "http://127.0.0.1:PORT", valid after fake_server_listen(). */
const char *fake_server_get_base_url  (FakeServer    *self);

G_END_DECLS
