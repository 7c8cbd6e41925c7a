volt-model 1
kind logistic
version persistence-20261205-1c279cb9
threshold 0.1338322855562489
intercept -0x1.975658a79a216p+0
features 2
# name transform eps impute mean scale coef
feature rv_60s log 0x1.0c6f7a0b5ed8dp-20 -0x1.eb9048c5eef49p+2 0x0.0p+0 0x1.0000000000000p+0 0x1.e0ea792ce2beap-1
feature tau_trailing log 0x1.0c6f7a0b5ed8dp-20 -0x1.cfffad892d0eap+2 0x0.0p+0 0x1.0000000000000p+0 -0x1.e0ea792ce2beap-1
end
