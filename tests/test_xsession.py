def test_window_activation(x_session):
    a = x_session.open_window("first window", "FirstClass")
    b = x_session.open_window("second window", "SecondClass")
    a.activate()
    assert x_session.xdotool("getactivewindow").strip() == str(a.wid)
    b.activate()
    assert x_session.xdotool("getwindowname", str(b.wid)).strip() == "second window"
