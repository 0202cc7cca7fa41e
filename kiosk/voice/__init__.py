"""Spoken guidance: every screen and notice said in the applicant's language (docs/voice.md).

Kivy-free. ``build.build_voice(config)`` makes the kiosk's :class:`~kiosk.voice.guide.VoiceGuide`;
the UI hands it the session's commands and the applicant's button presses. The pieces, each usable
alone: ``prompts`` (ids and msgids in the gettext catalogues), ``numbers`` (amounts, dates, codes as
words), ``script`` (what a screen says), ``engine`` (espeak-ng), ``library`` (recordings, render
cache, background rendering), ``player`` (the rules, pure), ``outputs`` (aplay, a recording
timeline), ``audio_check`` (a walk's track checked with sox). ``python -m kiosk.voice`` renders the
prompts at install time and runs the checks.
"""
