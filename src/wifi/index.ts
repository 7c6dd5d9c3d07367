/** Wi-Fi on the board (scan, connect, remember at boot) over the raw REPL. Browser-safe. */
export { scanNetworks, connectWifi, wifiStatus, type WifiNetwork, type WifiConnection } from './wifi-board.js';
export { rememberWifi, forgetWifi, bootBlock, withBlock, withoutBlock, WIFI_FILE } from './remember.js';
