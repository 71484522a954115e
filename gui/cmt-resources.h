/* cmt-resources.h: the app's GResource (templates, style, shortcuts, icons) */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Registers the resource once; every template class and main() call it first. */
void cmt_gui_ensure_resources (void);

G_END_DECLS
