"""Camera: OpenCV capture on a background thread (newest frame only), a simulated camera that plays
images or a video in a loop, preview conversion, and QR decoding from frames.

The camera is not a serial device, so it has no ``sim://`` URL; ``[devices.camera] source`` is a
V4L2 index or path, or ``sim:<folder or video>[?play_fps=N&loop=0]`` for the simulator.
"""
