/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Umbrella header of libnetsend. */

#include <netsend/ns-errors.h>
#include <netsend/nb-name.h>
#include <netsend/nb-ns.h>
#include <netsend/nb-session.h>
#include <netsend/smb-msgr.h>
#include <netsend/nb-transport.h>
#include <netsend/nb-registrar.h>
#include <netsend/nb-resolver.h>
#include <netsend/ns-net.h>
#include <netsend/ns-tcp.h>
#include <netsend/rpc-cl.h>
#include <netsend/rpc-msgsvc.h>
#include <netsend/msgr-text.h>
#include <netsend/nb-dgram.h>
#include <netsend/msgr-mailslot.h>
#include <netsend/ns-send.h>
#include <netsend/msgr-smb-server.h>
#include <netsend/msgr-smb-client.h>
#include <netsend/msgr-rpc-client.h>
#include <netsend/brws-announce.h>
