# bench/py/sitecustomize.py: loaded by the emulator's python3 in the
# benchmarks only: answer with TCP_NODELAY, so that a response's header and
# body writes do not wait for the client's delayed ACK (~40 ms each), a
# stall the real Azure services do not have.
import socketserver

socketserver.StreamRequestHandler.disable_nagle_algorithm = True
