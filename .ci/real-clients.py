"""The servers of Part V against clients nobody here wrote.

Chapter 9, started on 127.0.0.1:0 with a fresh data folder:

- zeep (Python's SOAP toolkit) reads the WSDL and calls every operation,
  including the ones that fault, with no code written for this service;
- Schemathesis reads only the OpenAPI document and checks every answer of
  the JSON API against it (all checks, a fixed seed so a run can be
  repeated).

Chapter 10, started the same way with a fresh Maildir folder: Python's
smtplib sends a message with a leading dot, 8-bit text and two
recipients, and is refused a relay; the files in new/ are checked.

Chapter 11, started on 127.0.0.1:0: the `websockets` package (Python's
WebSocket client) joins, is welcomed, moves, chats, is told off for a
binary frame, answers and sends pings, is refused a bad name with 400,
and, when the server gets SIGTERM, is closed with 1001.

Run with the Python of a virtual environment that has zeep, schemathesis
and websockets: `venv/bin/python .ci/real-clients.py
target/debug/chapter09-solution target/debug/chapter10-solution
target/debug/chapter11-solution`.
"""

import json
import os
import smtplib

import shutil
import subprocess
import sys
import tempfile
import threading

import zeep
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from zeep.exceptions import Fault

NS = "{urn:socket-to-framework:guestbook}"


def start(binary, data, folder_flag="--data", scheme="http"):
    return start_with(binary, [folder_flag, data], scheme)


def start_with(binary, arguments, scheme="http"):
    server = subprocess.Popen(
        [binary, "server", "--addr", "127.0.0.1:0", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    # The first line says where it listens; a server that never says so
    # fails the run after ten seconds instead of hanging it.
    line = []
    reader = threading.Thread(target=lambda: line.append(server.stdout.readline()))
    reader.start()
    reader.join(10)
    prefix = f"listening on {scheme}://"
    if not line or not line[0].startswith(prefix):
        server.kill()
        sys.exit(f"the server did not say where it listens: {line}")
    return server, line[0].strip()[len(prefix):]


def check_soap(addr):
    client = zeep.Client(f"http://{addr}/soap?wsdl")
    service = client.service
    print("zeep: GetTime ->", service.GetTime())
    entry = service.AddEntry(name="Zeep <&>", message="from Python, é 😀")
    assert entry.name == "Zeep <&>" and entry.message == "from Python, é 😀", entry
    print("zeep: AddEntry ->", entry.id, entry.name, entry.created)
    assert service.GetEntry(id=entry.id).name == entry.name
    second = service.AddEntry(name="Second", message="newer")
    listed = service.ListEntries(limit=2)
    assert [e.id for e in listed] == [second.id, entry.id], listed
    print("zeep: ListEntries(limit=2) ->", [e.id for e in listed])
    for call, field in [
        (lambda: service.GetEntry(id=987654), "id"),
        (lambda: service.AddEntry(name="", message="x"), "name"),
        (lambda: service.ListEntries(limit=500), "limit"),
    ]:
        try:
            call()
        except Fault as fault:
            # detail > Problems > Problem* > field, reason
            fields = [p.find(NS + "field").text for p in fault.detail.iter(NS + "Problem")]
            assert fault.code == "soap:Client" and field in fields, (fault.code, fields)
            print(f"zeep: fault {fault.code}: {fault.message} {fields}")
        else:
            sys.exit(f"zeep: no fault for a bad {field}")


def check_openapi(addr):
    schemathesis = shutil.which("schemathesis", path=sys.prefix + "/bin") or "schemathesis"
    result = subprocess.run(
        [
            schemathesis,
            "run",
            f"http://{addr}/api/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "50",
            "--seed",
            "1",
        ],
        timeout=600,
    )
    if result.returncode != 0:
        sys.exit("schemathesis found differences between the API and its OpenAPI document")


def check_smtp(addr, maildir):
    host, port = addr.rsplit(":", 1)
    message = "Subject: from smtplib\r\n\r\n.a line with a leading dot\r\ncaf\u00e9\r\n".encode()
    with smtplib.SMTP(host, int(port), timeout=10) as smtp:
        code, _ = smtp.ehlo("ci.example")
        assert code == 250 and smtp.has_extn("pipelining") and smtp.has_extn("8bitmime"), smtp.esmtp_features
        refused = smtp.sendmail("ada@example.org", ["bob@localhost", "carol@localhost"], message)
        assert refused == {}, refused
        try:
            smtp.sendmail("ada@example.org", ["victim@elsewhere.example"], b"Subject: relay\r\n\r\nx\r\n")
        except smtplib.SMTPRecipientsRefused as error:
            code = error.recipients["victim@elsewhere.example"][0]
            assert code == 550, error.recipients
            print(f"smtplib: relay refused with {code}")
        else:
            sys.exit("smtplib: the server relayed mail for another domain")
    for mailbox in ["bob@localhost", "carol@localhost"]:
        new = os.path.join(maildir, mailbox, "new")
        files = os.listdir(new)
        assert len(files) == 1, (mailbox, files)
        with open(os.path.join(new, files[0]), "rb") as stored:
            text = stored.read()
        # smtplib stuffed the dot; the server took it away again.
        assert text.endswith(message), text
        print(f"smtplib: {mailbox} has the message, exactly")


def next_of(ws, kind):
    """The next message of type `kind`, skipping the states between."""
    for _ in range(200):
        message = json.loads(ws.recv(timeout=10))
        if message["type"] == kind:
            return message
    sys.exit(f"websockets: no {kind} message in 200")


def check_game(addr):
    with connect(f"ws://{addr}/ws?name=py", open_timeout=10) as ws:
        welcome = json.loads(ws.recv(timeout=10))
        assert welcome == {"type": "welcome", "id": welcome["id"], "tick_hz": 20, "width": 800, "height": 600}, welcome
        me = welcome["id"]
        start_x = [p for p in next_of(ws, "state")["players"] if p["id"] == me][0]["x"]
        ws.send(json.dumps({"type": "input", "dx": 1 if start_x < 400 else -1, "dy": 0}))
        for _ in range(40):
            x = [p for p in next_of(ws, "state")["players"] if p["id"] == me][0]["x"]
            if abs(x - start_x) >= 50:
                break
        else:
            sys.exit(f"websockets: the player did not move from x = {start_x}")
        print(f"websockets: welcomed as {me}, moved from x = {start_x} to {x}")
        ws.send(json.dumps({"type": "chat", "text": "<b>hi</b> é"}))
        chat = next_of(ws, "chat")
        assert chat == {"type": "chat", "id": me, "name": "py", "text": "<b>hi</b> é"}, chat
        ws.send(b"\x00\x01")
        print("websockets: binary frame ->", next_of(ws, "error")["message"])
        assert ws.ping().wait(10), "no pong"
    try:
        connect(f"ws://{addr}/ws?name=", open_timeout=10)
    except InvalidStatus as refused:
        assert refused.response.status_code == 400, refused.response
        print("websockets: an empty name ->", refused.response.status_code, refused.response.body.decode())
    else:
        sys.exit("websockets: a player without a name was let in")


def check_game_shutdown(server, addr):
    ws = connect(f"ws://{addr}/ws?name=late", open_timeout=10)
    next_of(ws, "state")
    server.terminate()
    try:
        while True:
            ws.recv(timeout=10)
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 1001, closed
        print(f"websockets: on SIGTERM the server closed with {closed.rcvd.code} ({closed.rcvd.reason})")
    assert server.wait(10) == 0, "the game server did not exit cleanly"


def main():
    web_service, mail_server, game_server = sys.argv[1], sys.argv[2], sys.argv[3]
    data = tempfile.mkdtemp(prefix="ch09-real-clients-")
    server, addr = start(web_service, data)
    try:
        check_soap(addr)
        check_openapi(addr)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(data, ignore_errors=True)
    print("real clients: zeep and schemathesis agree with the contracts")
    maildir = tempfile.mkdtemp(prefix="ch10-real-clients-")
    server, addr = start(mail_server, maildir, "--maildir", "smtp")
    try:
        check_smtp(addr, maildir)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(maildir, ignore_errors=True)
    print("real clients: smtplib delivers through the mail server")
    server, addr = start_with(game_server, [])
    try:
        check_game(addr)
        check_game_shutdown(server, addr)
    finally:
        server.kill()
        server.wait(10)
    print("real clients: Python's websockets plays the game")


if __name__ == "__main__":
    main()
