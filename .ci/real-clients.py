"""Chapter 9's server against clients nobody here wrote.

Starts the reference server on 127.0.0.1:0 with a fresh data folder, then:

- zeep (Python's SOAP toolkit) reads the WSDL and calls every operation,
  including the ones that fault, with no code written for this service;
- Schemathesis reads only the OpenAPI document and checks every answer of
  the JSON API against it (all checks, a fixed seed so a run can be
  repeated).

Run with the Python of a virtual environment that has zeep and
schemathesis: `venv/bin/python .ci/real-clients.py target/debug/chapter09-solution`.
"""

import shutil
import subprocess
import sys
import tempfile
import threading

import zeep
from zeep.exceptions import Fault

NS = "{urn:socket-to-framework:guestbook}"


def start(binary, data):
    server = subprocess.Popen(
        [binary, "server", "--addr", "127.0.0.1:0", "--data", data],
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
    if not line or not line[0].startswith("listening on http://"):
        server.kill()
        sys.exit(f"the server did not say where it listens: {line}")
    return server, line[0].strip()[len("listening on http://"):]


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


def main():
    binary = sys.argv[1]
    data = tempfile.mkdtemp(prefix="ch09-real-clients-")
    server, addr = start(binary, data)
    try:
        check_soap(addr)
        check_openapi(addr)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(data, ignore_errors=True)
    print("real clients: zeep and schemathesis agree with the contracts")


if __name__ == "__main__":
    main()
