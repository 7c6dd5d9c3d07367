/**
 * Short first programs, as uPyCraft's Examples menu offers them, written for the board they run on
 * (its LED pin, its button, its ADC). Data only: the CLI prints or runs them, the page puts them in
 * its editor. Each ends by itself except the web server, which serves until stopped.
 */
import type { BoardPins } from './board-pins.js';

export interface Example {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  /** Runs until stopped (a server); the others end by themselves within seconds. */
  readonly endless: boolean;
  source(pins: BoardPins): string;
}

function ledLevels(p: BoardPins): { on: number; off: number; note: string } {
  return p.ledActiveLow ? { on: 0, off: 1, note: ', lit when the pin is low' } : { on: 1, off: 0, note: '' };
}

export const EXAMPLES: readonly Example[] = [
  {
    name: 'blink',
    title: 'Blink the LED',
    summary: "switch the board's LED on and off",
    endless: false,
    source: (p) => {
      const l = ledLevels(p);
      return `# Blink the board's LED (GPIO ${p.led}${l.note}).
from machine import Pin
import time

led = Pin(${p.led}, Pin.OUT)
for i in range(5):
    led.value(${l.on})   # on
    time.sleep(0.25)
    led.value(${l.off})   # off
    time.sleep(0.25)
print('blinked 5 times')
`;
    },
  },
  {
    name: 'button',
    title: 'Read a button',
    summary: 'light the LED while the BOOT button is held',
    endless: false,
    source: (p) => {
      const l = ledLevels(p);
      return `# The BOOT button (GPIO ${p.button}) reads 0 while pressed; the LED follows it for 5 seconds.
from machine import Pin
import time

button = Pin(${p.button}, Pin.IN, Pin.PULL_UP)
led = Pin(${p.led}, Pin.OUT)
print('Press the BOOT button during the next 5 seconds')
last = button.value()
end = time.ticks_add(time.ticks_ms(), 5000)
while time.ticks_diff(end, time.ticks_ms()) > 0:
    pressed = button.value() == 0
    if pressed != (last == 0):
        print('pressed' if pressed else 'released')
        last = 0 if pressed else 1
    led.value(${l.on} if pressed else ${l.off})
    time.sleep_ms(20)
print('done')
`;
    },
  },
  {
    name: 'fade',
    title: 'Fade the LED (PWM)',
    summary: 'dim the LED up and down with PWM',
    endless: false,
    source: (p) => `# Fade the LED on GPIO ${p.led} up and down with PWM (duty 0..65535).
from machine import Pin, PWM
import time

pwm = PWM(Pin(${p.led}), freq=1000)
for step in list(range(0, 65536, 4096)) + list(range(65535, -1, -4096)):
    pwm.duty_u16(step)
    time.sleep_ms(40)
pwm.deinit()
print('faded')
`,
  },
  {
    name: 'adc',
    title: 'Read the ADC',
    summary: 'print an analog reading ten times a second (open the plotter)',
    endless: false,
    source: (p) => `# Read the analog input ${p.platform === 'esp8266' ? 'A0' : 'on GPIO 34'} and print "count value" lines: the plotter draws them.
from machine import ADC, Pin
import time

adc = ADC(${p.adc})
${p.adcSetup ? `${p.adcSetup}\n` : ''}for i in range(20):
    print(i, adc.read_u16())
    time.sleep_ms(100)
`,
  },
  {
    name: 'wifi-scan',
    title: 'Scan for Wi-Fi networks',
    summary: 'list the networks in range with their signal',
    endless: false,
    source: () => `# List the Wi-Fi networks the board can hear, strongest first.
import network

wlan = network.WLAN(network.STA_IF)
wlan.active(True)
networks = sorted(wlan.scan(), key=lambda n: n[3], reverse=True)
for ssid, bssid, channel, rssi, auth, hidden in networks:
    print('%-32s %4d dBm  channel %d' % (ssid.decode(), rssi, channel))
print(len(networks), 'networks')
`,
  },
  {
    name: 'web-server',
    title: 'A minimal web server',
    summary: 'answer every browser with a small page (connect to Wi-Fi first)',
    endless: true,
    source: () => `# Serve a small page on port 80. Connect the board first: upyflash wifi connect NAME --remember
import network
import socket

wlan = network.WLAN(network.STA_IF)
if wlan.isconnected():
    ip = wlan.ifconfig()[0]
else:
    ip = '0.0.0.0'
    print('Not on Wi-Fi yet (upyflash wifi connect NAME): serving anyway')

PAGE = b'HTTP/1.0 200 OK\\r\\nContent-Type: text/html\\r\\n\\r\\n<h1>Hello from MicroPython</h1>'

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(socket.getaddrinfo('0.0.0.0', 80)[0][-1])
server.listen(1)
print('listening on http://%s/' % ip)
while True:
    client, address = server.accept()
    client.recv(1024)
    client.send(PAGE)
    client.close()
    print('answered', address[0])
`,
  },
];

export function exampleByName(name: string): Example | undefined {
  return EXAMPLES.find((e) => e.name === name);
}
