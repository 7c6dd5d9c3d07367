/**
 * The virtual board's radio as MicroPython's `network` and `socket` modules (Python source, compiled on
 * first import, see board-modules.ts). The access points come from `virtual-board --ap NAME:PASSWORD`.
 * Status codes are the firmware's own: the ESP32 port passes ESP-IDF's disconnect reasons through
 * (201 no AP found, 202 auth failed) beside its 1000/1001/1010, and with the default `reconnects=0` it
 * keeps retrying, so status() stays STAT_CONNECTING after a failure; the ESP8266 port reports the
 * SDK's station states 0..5. A connection attempt takes CONNECT_MS of real time, as on a board.
 * Sockets find nobody on the virtual network: a server waits for ever, a client cannot connect.
 */
import type { BoardFacts } from './interpreter-protocol.js';

/** How long one association attempt takes before it succeeds or fails. */
const CONNECT_MS = 400;

interface StatusCodes {
  idle: number;
  connecting: number;
  gotIp: number;
  noAp: number;
  wrongPassword: number;
  /** What status() says after disconnect(). */
  left: number;
}

/** ports/esp32/network_wlan.c (ESP-IDF wifi_err_reason_t) and ports/esp8266/network_wlan.c (station_status_t). */
const STATUS: Record<'esp32' | 'esp8266', StatusCodes> = {
  esp32: { idle: 1000, connecting: 1001, gotIp: 1010, noAp: 201, wrongPassword: 202, left: 8 },
  esp8266: { idle: 0, connecting: 1, gotIp: 5, noAp: 3, wrongPassword: 2, left: 0 },
};

export function networkModule(f: BoardFacts, esp8266: boolean): string {
  const st = STATUS[esp8266 ? 'esp8266' : 'esp32'];
  const aps = (f.radio?.accessPoints ?? []).map((ap, i) => ({ ...ap, bssid: [0x24, 0x0a, 0xc4, 0x10, 0x20 + i, 0x30 + ap.ssid.length] }));
  const constants = esp8266
    ? `STAT_IDLE = 0\nSTAT_CONNECTING = 1\nSTAT_WRONG_PASSWORD = 2\nSTAT_NO_AP_FOUND = 3\nSTAT_CONNECT_FAIL = 4\nSTAT_GOT_IP = 5\n`
    : `STAT_IDLE = 1000\nSTAT_CONNECTING = 1001\nSTAT_GOT_IP = 1010\nSTAT_BEACON_TIMEOUT = 200\nSTAT_NO_AP_FOUND = 201\nSTAT_WRONG_PASSWORD = 202\nSTAT_ASSOC_FAIL = 203\nSTAT_HANDSHAKE_TIMEOUT = 204\n`;
  return `# --- network: the virtual radio ----------------------------------------------------------------------
_APS = ${JSON.stringify(aps.map((a) => [a.ssid, a.password, a.channel, a.rssi, a.bssid]))}
_ESP8266 = ${esp8266 ? 'True' : 'False'}
_sta = {'active': False, 'ssid': None, 'key': None, 'since': 0, 'requested': False, 'reason': 0, 'reconnects': 0}
_ap = {'active': False, 'essid': ${JSON.stringify(`MicroPython-${f.mac.slice(3).map((b) => b.toString(16).padStart(2, '0')).join('')}`)}}

def _find(ssid):
    for a in _APS:
        if a[0] == ssid:
            return a
    return None

def _outcome():
    a = _find(_sta['ssid'])
    if a is None:
        return ${st.noAp}
    if a[1] and a[1] != _sta['key']:
        return ${st.wrongPassword}
    return 0

def _attempts():
    return _time.ticks_diff(_time.ticks_ms(), _sta['since']) // ${CONNECT_MS}

def _connected():
    return _sta['requested'] and _attempts() >= 1 and _outcome() == 0

class WLAN:
    IF_STA = 0
    IF_AP = 1
    def __init__(self, interface=0):
        if interface not in (0, 1):
            raise ValueError('invalid WLAN interface identifier')
        self._if = interface
    def active(self, a=None):
        s = _sta if self._if == 0 else _ap
        if a is None:
            return s['active']
        s['active'] = bool(a)
        if self._if == 0 and not a:
            _sta['requested'] = False
    def scan(self):
        if self._if != 0:
            raise OSError('STA required')
        if not _sta['active']:
            raise OSError('STA must be active')
        _sleep_with_timers(${esp8266 ? 1500 : 700} if _APS else 100)
        return [(a[0].encode(), bytes(a[4]), a[2], a[3], 3 if a[1] else 0, ${esp8266 ? '0' : 'False'}) for a in _APS]
    def connect(self, ssid=None, key=None, *, bssid=None):
        if self._if != 0:
            raise OSError('STA required')
        if not _sta['active']:
            raise OSError(${esp8266 ? "'STA must be active'" : "'Wifi Not Started'"})
        if ssid is not None:
            _sta['ssid'] = ssid
            _sta['key'] = key
        _sta['since'] = _time.ticks_ms()
        _sta['requested'] = True
        _sta['reason'] = 0
    def disconnect(self):
        if _sta['requested']:
            _sta['reason'] = ${st.left}
        _sta['requested'] = False
    def isconnected(self):
        if self._if != 0:
            return False
        return _connected()
    def status(self, param=None):
        if param == 'rssi':
            if not _connected():
                raise OSError(-1)
            return _find(_sta['ssid'])[3]
        if param is not None:
            raise ValueError('unknown status param')
        if self._if != 0:
            return None
        if _sta['requested']:
            if _attempts() < 1:
                return ${st.connecting}
            r = _outcome()
            if r == 0:
                return ${st.gotIp}
            if _ESP8266:
                return r
            # The ESP32 port retries for ever unless config(reconnects=N) bounds it.
            n = _sta['reconnects']
            if n == 0 or _attempts() < n:
                return ${st.connecting}
            return r
        return ${st.idle} if _sta['reason'] == 0 else _sta['reason']
    def ifconfig(self, *args):
        if args:
            return
        if self._if == 1:
            return ('192.168.4.1', '255.255.255.0', '192.168.4.1', '0.0.0.0') if _ap['active'] else ('0.0.0.0',) * 4
        if _connected():
            return ('192.168.1.${100 + (f.mac[5] ?? 0) % 100}', '255.255.255.0', '192.168.1.1', '192.168.1.1')
        return ('0.0.0.0', '0.0.0.0', '0.0.0.0', '0.0.0.0')
    def config(self, *args, **kw):
        for k, v in kw.items():
            if k == 'reconnects' and not _ESP8266:
                _sta['reconnects'] = int(v)
            elif k in ('essid', 'ssid') and self._if == 1:
                _ap['essid'] = v
            elif k not in ('password', 'key', 'authmode', 'channel', 'hidden', 'dhcp_hostname', 'hostname', 'txpower', 'pm'):
                raise ValueError('unknown config param')
        if args:
            k = args[0]
            if k == 'mac':
                return bytes(${JSON.stringify(f.mac)})
            if k in ('essid', 'ssid'):
                return (_sta['ssid'] or '') if self._if == 0 else _ap['essid']
            if k == 'reconnects' and not _ESP8266:
                return _sta['reconnects']
            if k == 'channel':
                a = _find(_sta['ssid'])
                return a[2] if a else 1
            raise ValueError('unknown config param')

def hostname(name=None):
    if name is None:
        return ${JSON.stringify(esp8266 ? `ESP-${f.mac.slice(3).map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('')}` : 'espressif')}

STA_IF = 0
AP_IF = 1
AUTH_OPEN = 0
AUTH_WEP = 1
AUTH_WPA_PSK = 2
AUTH_WPA2_PSK = 3
AUTH_WPA_WPA2_PSK = 4
${constants}
_module('network', 'network (virtual board: the access points given with --ap)', globals(),
    [k for k in globals() if k == 'WLAN' or k == 'hostname' or k.startswith('STA') or k.startswith('AP_') or k.startswith('AUTH_')])
`;
}

export function socketModule(esp8266: boolean): string {
  return `# --- socket: nobody else on the virtual network ------------------------------------------------------
AF_INET = 2
AF_INET6 = 10
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
SOL_SOCKET = 1
SO_REUSEADDR = 4
IPPROTO_TCP = 6
IPPROTO_UDP = 17

def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    if host not in ('0.0.0.0', '', 'localhost') and not all(p.isdigit() for p in host.split('.')):
        raise OSError(-2)
    return [(AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ('0.0.0.0' if host == '' else host, port))]

class socket:
    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=0):
        self._timeout = None
        self._bound = None
        self._closed = False
    def setsockopt(self, level, opt, value):
        pass
    def bind(self, addr):
        self._bound = addr
    def listen(self, backlog=0):
        pass
    def settimeout(self, t):
        self._timeout = t
    def setblocking(self, flag):
        self._timeout = None if flag else 0
    def accept(self):
        # No client ever arrives: wait as a server on a quiet network does (Ctrl-C stops it).
        if self._timeout is not None:
            _sleep_with_timers(int(self._timeout * 1000))
            raise OSError(${esp8266 ? 110 : 116})
        while True:
            _sleep_with_timers(1000)
    def connect(self, addr):
        raise OSError(113)
    def send(self, data):
        raise OSError(128)
    sendall = write = send
    def recv(self, n):
        raise OSError(128)
    read = readline = recv
    def close(self):
        self._closed = True
    def __enter__(self):
        return self
    def __exit__(self, *a):
        self.close()

_module('socket', 'socket (virtual board: nobody else on the network)', globals(),
    ['AF_INET', 'AF_INET6', 'SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOL_SOCKET', 'SO_REUSEADDR', 'IPPROTO_TCP',
     'IPPROTO_UDP', 'getaddrinfo', 'socket'], 'usocket')
`;
}
