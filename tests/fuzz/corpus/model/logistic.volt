volt-model 1
kind logistic
version fuzz-logistic
threshold 0.5
link logit
intercept -1.5
features 2
feature rv_60s log 1e-12 -9 -8 1.5 0.7
feature bid_ask_spread_bps id 0 1 2 3 -0.1
end
