/* cmt-flows.h: what the flows' widgets share (resources, product words, D-Bus helpers) */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Registers the flows' GResource once; every widget class calls it first. */
void cmt_flows_ensure_resources (void);

G_END_DECLS
