package workload

import "go.uber.org/zap/zapcore"

// zapLevel maps the logLevel setting to a zap level (DEBUG shows logr V(1)).
func zapLevel(level string) zapcore.Level {
	switch level {
	case "DEBUG":
		return zapcore.DebugLevel
	case "WARN":
		return zapcore.WarnLevel
	case "ERROR":
		return zapcore.ErrorLevel
	}
	return zapcore.InfoLevel
}

func (w *workload) applyLogLevel(level string) {
	if w.opts.LogLevel != nil {
		w.opts.LogLevel.SetLevel(zapLevel(level))
	}
}
