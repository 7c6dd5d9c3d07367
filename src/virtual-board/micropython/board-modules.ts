/**
 * The modules an ESP32/ESP8266 build of MicroPython has and the WebAssembly port lacks (machine, esp,
 * esp32, network) or has with the wrong facts (os.uname, sys.implementation, sys.platform, time.sleep
 * that busy-waits and cannot be woken). Python source run by the worker at every boot, before boot.py,
 * so they are part of the virtual board and never of the flashed image or its filesystem. They talk
 * to the board through the `_vboard` JS module the worker registers (interpreter-worker.ts).
 */
import type { BoardFacts } from './interpreter-protocol.js';
import { networkModule, socketModule } from './radio-modules.js';

/** Python literal of a JSON-able value (JSON strings, numbers and lists are Python literals too). */
function py(value: string | number | number[]): string {
  return JSON.stringify(value);
}

function versionTuple(version: string): string {
  const [core = '', pre = ''] = version.split('-', 2);
  const parts = core.split('.').map((n) => Number.parseInt(n, 10) || 0);
  while (parts.length < 3) parts.push(0);
  const release = pre.split('.')[0] ?? '';
  return `(${parts.slice(0, 3).join(', ')}, ${py(release)})`;
}

/** Lazily compiled modules and their u-prefixed aliases, as a Python list literal. */
function lazyList(esp8266: boolean, radio: boolean): string {
  const names: [string, string | null][] = [['machine', 'umachine'], ['esp', null], ['socket', 'usocket']];
  if (radio) names.push(['network', null]);
  if (!esp8266) names.push(['esp32', null]);
  return `[${names.map(([n, a]) => `(${py(n)}, ${a ? py(a) : 'None'})`).join(', ')}]`;
}

export interface BoardModules {
  /** Run at every boot: time, os, sys, help, and the lazy stand-ins of the others. */
  core: string;
  /** Compiled on first use (compiling them all at boot would slow every reset down). */
  lazy: Record<string, string>;
}

export function boardModulesSource(f: BoardFacts): BoardModules {
  const machine = `${f.banner.boardName} with ${f.banner.mcuName}`;
  const esp8266 = f.sysname === 'esp8266';
  const adcMax = esp8266 ? 1023 : 4095;
  const core = `
import sys as _sys, os as _os, time as _time, builtins as _builtins, _vboard

class _Module:
    def __init__(self, name, doc):
        self.__name__ = name
        self.__doc__ = doc
    def __repr__(self):
        return "<module '%s'>" % self.__name__

def _install(m, alias):
    _sys.modules[m.__name__] = m
    if alias:
        _sys.modules[alias] = m
    return m

def _module(name, doc, ns, names, alias=None):
    m = _Module(name, doc)
    for k in names:
        setattr(m, k, ns[k])
    return _install(m, alias)

def _wrap(name, original, extra, doc, alias=None):
    m = _Module(name, doc)
    for k in dir(original):
        if not k.startswith('__'):
            setattr(m, k, getattr(original, k))
    for k in extra:
        setattr(m, k, extra[k])
    return _install(m, alias)

# --- time: sleeps really wait (without spinning) and Ctrl-C cuts them short ---------------------------
def sleep_ms(ms):
    _vboard.sleep_ms(int(ms))
def sleep(s):
    _vboard.sleep_ms(int(s * 1000))
def sleep_us(us):
    _vboard.sleep_ms(int(us) // 1000)
_wrap('time', _time, {'sleep': sleep, 'sleep_ms': sleep_ms, 'sleep_us': sleep_us}, 'time (virtual board: sleeps wait in real time)', 'utime')

# --- os / sys: the flashed firmware's facts -------------------------------------------------------
class _Uname(tuple):
    sysname = ${py(f.sysname)}
    nodename = ${py(f.sysname)}
    release = ${py(f.banner.version)}
    version = ${py(`v${f.banner.version} on ${f.banner.buildDate}`)}
    machine = ${py(machine)}
    def __repr__(self):
        return "(sysname='%s', nodename='%s', release='%s', version='%s', machine='%s')" % tuple(self)
    __str__ = __repr__
_uname = _Uname((_Uname.sysname, _Uname.nodename, _Uname.release, _Uname.version, _Uname.machine))
def uname():
    return _uname
_FS_BYTES = ${f.fsBytes}
_wasm_statvfs = _os.statvfs
def statvfs(path):
    # The virtual flash's filesystem region, 4 KiB blocks as LittleFS on the ESP port reports them.
    if not _FS_BYTES:
        return _wasm_statvfs(path)
    _os.stat(path)
    free = max(0, _FS_BYTES - _vboard.fs_used()) // 4096
    return (4096, 4096, _FS_BYTES // 4096, free, free, 0, 0, 0, 0, 255)
_wrap('os', _os, {'uname': uname, 'statvfs': statvfs}, 'os', 'uos')

class _Implementation:
    name = 'micropython'
    version = ${versionTuple(f.banner.version)}
    _machine = ${py(machine)}
    _mpy = _sys.implementation._mpy
    def __repr__(self):
        return "(name='micropython', version=%r, _machine='%s', _mpy=%d)" % (self.version, self._machine, self._mpy)
_wrap('sys', _sys, {'implementation': _Implementation(), 'platform': ${py(f.sysname)}, 'version': ${py(`3.4.0; MicroPython v${f.banner.version} on ${f.banner.buildDate}`)}}, 'sys', 'usys')

_timers = []

def _run_timers():
    now = _time.ticks_ms()
    for t in list(_timers):
        if _time.ticks_diff(now, t._due) >= 0:
            if t._mode == 1:  # Timer.PERIODIC
                t._due = _time.ticks_add(t._due, t._period)
            else:
                t.deinit()
            if t._cb:
                t._cb(t)

def _timer_sleep_ms(ms):
    end = _time.ticks_add(_time.ticks_ms(), ms)
    while True:
        _run_timers()
        left = _time.ticks_diff(end, _time.ticks_ms())
        if left <= 0:
            return
        wait = left
        for t in _timers:
            wait = min(wait, max(0, _time.ticks_diff(t._due, _time.ticks_ms())))
        _vboard.sleep_ms(wait)

def _sleep_with_timers(ms):
    if _timers:
        _timer_sleep_ms(int(ms))
    else:
        _vboard.sleep_ms(int(ms))
_sys.modules['time'].sleep_ms = _sleep_with_timers
_sys.modules['time'].sleep = lambda s: _sleep_with_timers(int(s * 1000))

def help(obj=None):
    if obj is not None:
        print(obj)
        return
    print("Welcome to MicroPython on a virtual ${f.chipName} board (upyflash).")
    print("")
    print("This is real MicroPython compiled to WebAssembly, dressed as the firmware you flashed:")
    print("machine.Pin drives the board's LED pins, PWM/ADC/I2C/SPI answer like a board with nothing")
    print("attached; network.WLAN finds the access points the board was given. Files live in the virtual flash.")
    print("")
    print("Control commands: CTRL-A raw REPL, CTRL-B friendly REPL, CTRL-C interrupt,")
    print("CTRL-D soft reset, CTRL-E paste mode.")
_builtins.help = help

class _Lazy:
    def __init__(self, name, alias):
        self._name = name
        self._alias = alias
    def __getattr__(self, attr):
        return getattr(_load(self._name, self._alias), attr)
    def __repr__(self):
        return "<module '%s'>" % self._name

def _load(name, alias):
    proxy = _sys.modules.get(name)
    if not isinstance(proxy, _Lazy):
        return proxy
    ns = dict(_core)
    exec(getattr(_vboard, 'module_' + name), ns)
    m = _sys.modules[name]
    # Whoever imported the stand-in keeps it: give it the module's names (dir() lists them from now on).
    for k in dir(m):
        if not k.startswith('__'):
            setattr(proxy, k, getattr(m, k))
    return m

_core = globals()
for _name, _alias in _LAZY_LIST:
    _sys.modules[_name] = _Lazy(_name, _alias)
    if _alias:
        _sys.modules[_alias] = _sys.modules[_name]
`;
  return {
    core: core.replace('_LAZY_LIST', lazyList(esp8266, f.radio !== undefined)),
    lazy: {
      machine: `# --- machine -----------------------------------------------------------------------------------------
class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 2
    PULL_DOWN = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2
    def __init__(self, id, mode=-1, pull=-1, value=None):
        self._id = id
        self._mode = Pin.IN
        self._pull = None
        self._out = 0
        self._irq = None
        self.init(mode, pull, value)
    def init(self, mode=-1, pull=-1, value=None):
        if mode != -1:
            self._mode = mode
        if pull != -1:
            self._pull = pull
        if value is not None:
            self._out = 1 if value else 0
        if self._mode in (Pin.OUT, Pin.OPEN_DRAIN) and (value is not None or mode != -1):
            self._drive()
    def _drive(self):
        old = _vboard.pin_level(self._id)
        level = self._out if self._mode == Pin.OUT else (0 if self._out == 0 else 1)
        _vboard.pin_write(self._id, level)
        if self._irq and old != level:
            self._irq._fire(level)
    def value(self, v=None):
        if v is None:
            if self._mode in (Pin.OUT, Pin.OPEN_DRAIN):
                return self._out
            level = _vboard.pin_input(self._id)
            if level < 0:
                return 1 if self._pull == Pin.PULL_UP else 0
            return level
        self._out = 1 if v else 0
        if self._mode in (Pin.OUT, Pin.OPEN_DRAIN):
            self._drive()
    def __call__(self, v=None):
        return self.value(v)
    def on(self):
        self.value(1)
    def off(self):
        self.value(0)
    def irq(self, handler=None, trigger=3):
        self._irq = _PinIrq(self, handler, trigger)
        return self._irq
    def __repr__(self):
        return 'Pin(%d)' % self._id

class _PinIrq:
    def __init__(self, pin, handler, trigger):
        self._pin = pin
        self._handler = handler
        self._trigger = trigger
    def _fire(self, level):
        if self._handler and self._trigger & (Pin.IRQ_RISING if level else Pin.IRQ_FALLING):
            self._handler(self._pin)
    def trigger(self):
        return self._trigger

class Signal:
    def __init__(self, pin, invert=False):
        self._pin = pin
        self._invert = invert
    def value(self, v=None):
        if v is None:
            return self._pin.value() ^ self._invert
        self._pin.value((1 if v else 0) ^ self._invert)
    def on(self):
        self.value(1)
    def off(self):
        self.value(0)

class PWM:
    def __init__(self, pin, freq=${esp8266 ? 1000 : 5000}, duty=512, duty_u16=None):
        self._pin = pin if isinstance(pin, Pin) else Pin(pin)
        self._freq = freq
        self._duty = duty if duty_u16 is None else duty_u16 >> 6
    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = f
    def duty(self, d=None):
        if d is None:
            return self._duty
        self._duty = max(0, min(1023, d))
    def duty_u16(self, d=None):
        if d is None:
            return self._duty << 6
        self._duty = max(0, min(65535, d)) >> 6
    def deinit(self):
        pass
    def __repr__(self):
        return 'PWM(%r, freq=%d, duty=%d)' % (self._pin, self._freq, self._duty)

class ADC:
    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3
    WIDTH_9BIT = 0
    WIDTH_10BIT = 1
    WIDTH_11BIT = 2
    WIDTH_12BIT = 3
    def __init__(self, pin, atten=0):
        self._id = pin._id if isinstance(pin, Pin) else pin
    def read(self):
        v = _vboard.analog(self._id)
        return min(${adcMax}, max(0, v)) if v >= 0 else 0
    def read_u16(self):
        return self.read() * 65535 // ${adcMax}
    def read_uv(self):
        return self.read() * 1000000 // ${adcMax}
    def atten(self, a):
        pass
    def width(self, w):
        pass

def _no_device(*args, **kw):
    raise OSError(19)

class SoftI2C:
    def __init__(self, *args, **kw):
        pass
    def scan(self):
        return []
    readfrom = readfrom_into = writeto = readfrom_mem = readfrom_mem_into = writeto_mem = _no_device
    def init(self, *args, **kw):
        pass
    def deinit(self):
        pass
class I2C(SoftI2C):
    pass

class SoftSPI:
    MSB = 0
    LSB = 1
    def __init__(self, *args, **kw):
        pass
    def init(self, *args, **kw):
        pass
    def deinit(self):
        pass
    def write(self, buf):
        pass
    def read(self, n, write=0):
        return bytes([0xff] * n)
    def readinto(self, buf, write=0):
        for i in range(len(buf)):
            buf[i] = 0xff
    def write_readinto(self, wbuf, rbuf):
        self.readinto(rbuf)
class SPI(SoftSPI):
    pass

class Timer:
    ONE_SHOT = 0
    PERIODIC = 1
    def __init__(self, id=-1, **kw):
        self._cb = None
        if kw:
            self.init(**kw)
    def init(self, mode=1, period=-1, callback=None, freq=-1):
        if freq > 0:
            period = 1000 // freq
        self._cb = callback
        self._mode = mode
        self._period = max(1, period)
        self._due = _time.ticks_add(_time.ticks_ms(), self._period)
        if self not in _timers:
            _timers.append(self)
    def deinit(self):
        if self in _timers:
            _timers.remove(self)
_freq = [${f.cpuHz}]
def freq(hz=None):
    if hz is None:
        return _freq[0]
    _freq[0] = hz
def reset():
    _vboard.reset('hard', 0)
def soft_reset():
    raise SystemExit
def deepsleep(ms=0):
    _vboard.reset('deepsleep', ms)
def lightsleep(ms=0):
    _sleep_with_timers(ms)
def idle():
    _run_timers()
def unique_id():
    return bytes(${py(esp8266 ? f.mac.slice(3).concat([0]) : f.mac)})
def reset_cause():
    return ${f.resetCause}
def disable_irq():
    return 0
def enable_irq(state=0):
    pass
def time_pulse_us(pin, level, timeout_us=1000000):
    return -1
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
_module('machine', 'machine (virtual board: pins drive the page LED; I2C/SPI find no devices)', globals(),
    ['Pin', 'Signal', 'PWM', 'ADC', 'I2C', 'SoftI2C', 'SPI', 'SoftSPI', 'Timer', 'freq', 'reset', 'soft_reset',
     'deepsleep', 'lightsleep', 'idle', 'unique_id', 'reset_cause', 'disable_irq', 'enable_irq', 'time_pulse_us',
     'PWRON_RESET', 'HARD_RESET', 'WDT_RESET', 'DEEPSLEEP_RESET', 'SOFT_RESET'], 'umachine')

`,
      esp: `# --- esp / esp32 -------------------------------------------------------------------------------------
def flash_size():
    return ${f.flashSize}
def flash_id():
    return 0x1640ef
def osdebug(level, *args):
    pass
def flash_user_start():
    return ${esp8266 ? 0x100000 : 0x200000}
_module('esp', 'esp (virtual board)', globals(), ['flash_size', 'flash_id', 'osdebug', 'flash_user_start'])
`,
      ...(esp8266 ? {} : { esp32: `
def raw_temperature():
    return 128
def hall_sensor():
    return 0
_nvs_store = {}
class NVS:
    def __init__(self, namespace):
        self._ns = _nvs_store.setdefault(namespace, {})
    def set_i32(self, key, value):
        self._ns[key] = int(value)
    def get_i32(self, key):
        if key not in self._ns:
            raise OSError(-4354)
        return self._ns[key]
    def set_blob(self, key, value):
        self._ns[key] = bytes(value)
    def get_blob(self, key, buffer):
        v = self._ns.get(key)
        if v is None:
            raise OSError(-4354)
        buffer[:len(v)] = v
        return len(v)
    def erase_key(self, key):
        if key not in self._ns:
            raise OSError(-4354)
        del self._ns[key]
    def commit(self):
        pass
_module('esp32', 'esp32 (virtual board: NVS lives in memory until the next reset)', globals(), ['raw_temperature', 'hall_sensor', 'NVS'])
` }),
      network: networkModule(f, esp8266),
      socket: socketModule(esp8266),
    },
  };
}
