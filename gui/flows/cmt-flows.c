/* cmt-flows.c: what the flows' widgets share (resources, product words, D-Bus helpers) */
#include "cmt-flows.h"
#include "cmt-flows-resources.h"

void
cmt_flows_ensure_resources (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      g_resources_register (cmt_flows_get_resource ());
      g_once_init_leave (&registered, 1);
    }
}
