// Follows /api/ws (cookie-authenticated), resumes from the last sequence number it saw after a drop.
(function () {
  var last = 0, epoch = null, log = document.getElementById("live"), seqEl = document.getElementById("seq");
  function show(msg) {
    if (seqEl) seqEl.textContent = msg.seq;
    if (!log) return;
    var line = document.createElement("div");
    line.className = "msg msg-" + msg.type;
    line.textContent = "#" + msg.seq + " " + msg.type + " " + JSON.stringify(msg.data).slice(0, 160);
    log.insertBefore(line, log.firstChild);
    if (msg.type === "kill_switch") {
      var k = document.getElementById("kill-state");
      if (k) k.textContent = msg.data.active ? "ON" : "off";
    }
  }
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var q = epoch ? "?since=" + last + "&epoch=" + epoch : "";
    var ws = new WebSocket(proto + location.host + "/api/ws" + q);
    ws.onmessage = function (e) {
      var msg = JSON.parse(e.data);
      epoch = msg.epoch; last = msg.seq;
      show(msg);
    };
    ws.onclose = function () { setTimeout(connect, 1000); };
  }
  if (document.getElementById("live")) connect();
})();
