import signal


def _early(signum, frame):  # an interrupt while starting: exit quietly; cli.main installs the real handler
    raise SystemExit(130 if signum == signal.SIGINT else 143)


_early.briefings_early = True
signal.signal(signal.SIGINT, _early)
signal.signal(signal.SIGTERM, _early)

from briefings.start import main  # noqa: E402

main()
